import hnswlib from 'hnswlib-node';
import type { Hit } from '../store.js';

const { HierarchicalNSW } = hnswlib;

/** Construction and search settings of the HNSW graph. */
export interface HnswSettings {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/**
 * An HNSW graph over unit vectors (inner-product space), labelled by passage id. The only module
 * that touches hnswlib-node: it grows capacity as needed, clamps `k` to what is live, and turns
 * hnswlib's distances (1 − dot) into similarities. A removed vector stays in the graph, marked
 * deleted, until an added one takes its place: a server taking updates for weeks (every changed
 * article is a removal and an addition) keeps a graph the size of its live passages.
 */
export class VectorIndex {
  private readonly graph: InstanceType<typeof HierarchicalNSW>;
  private live: number;
  private deleted = 0;

  private constructor(graph: InstanceType<typeof HierarchicalNSW>, live: number, private readonly settings: HnswSettings) {
    this.graph = graph;
    this.live = live;
    graph.setEf(settings.efSearch);
  }

  /** An empty index with room for `capacity` vectors. */
  static create(dimensions: number, settings: HnswSettings, capacity = 1024): VectorIndex {
    const graph = new HierarchicalNSW('ip', dimensions);
    graph.initIndex({ maxElements: Math.max(capacity, 16), m: settings.m, efConstruction: settings.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    return new VectorIndex(graph, 0, settings);
  }

  /** Loads a file written by {@link save}, on a thread of libuv's pool; `live` is how many vectors it holds undeleted. */
  static async load(path: string, dimensions: number, settings: HnswSettings, live: number): Promise<VectorIndex> {
    const graph = new HierarchicalNSW('ip', dimensions);
    if (!(await graph.readIndex(path, true))) throw new Error(`cannot read the vector index ${path}`);
    return VectorIndex.loaded(graph, settings, live);
  }

  private static loaded(graph: InstanceType<typeof HierarchicalNSW>, settings: HnswSettings, live: number): VectorIndex {
    // A graph a little behind its database (a reader following a writer) holds fewer vectors.
    const index = new VectorIndex(graph, Math.min(live, graph.getCurrentCount()), settings);
    index.deleted = Math.max(0, graph.getCurrentCount() - live);
    return index;
  }

  get size(): number {
    return this.live;
  }

  /** Vectors the graph holds, live or marked deleted: what its memory and file grow with. */
  get elements(): number {
    return this.live + this.deleted;
  }

  /** Share of the graph's elements that are deleted: past a point, rebuilding pays. */
  get deletedShare(): number {
    const total = this.live + this.deleted;
    return total === 0 ? 0 : this.deleted / total;
  }

  /** Adds a vector, in the place of a deleted one when there is one. */
  add(id: number, vector: Float32Array): void {
    const replacing = this.deleted > 0;
    const capacity = this.graph.getMaxElements();
    if (!replacing && this.graph.getCurrentCount() >= capacity) this.graph.resizeIndex(Math.ceil(capacity * 1.5) + 16);
    this.graph.addPoint(Array.from(vector), id, replacing);
    this.live++;
    if (replacing) this.deleted--;
  }

  remove(id: number): void {
    this.graph.markDelete(id);
    this.live--;
    this.deleted++;
  }

  /** The live vector labelled `id`, or null when the graph holds none. */
  vector(id: number): Float32Array | null {
    try {
      return Float32Array.from(this.graph.getPoint(id));
    } catch {
      return null;
    }
  }

  /**
   * The `k` nearest live vectors (that pass `filter`, when given), most similar first. `ef`
   * overrides the configured search breadth (it is never below `k`).
   */
  search(vector: Float32Array, k: number, options: { filter?: (id: number) => boolean; ef?: number } = {}): Hit[] {
    const count = Math.min(k, this.live);
    if (count <= 0) return [];
    this.graph.setEf(Math.max(options.ef ?? this.settings.efSearch, count));
    const { neighbors, distances } = this.graph.searchKnn(Array.from(vector), count, options.filter);
    return neighbors.map((id, i) => ({ id, score: 1 - distances[i] }));
  }

  /** Writes the graph to `path` on a thread of libuv's pool (callers make that atomic); it must not change until this resolves. */
  async save(path: string): Promise<void> {
    if (!(await this.graph.writeIndex(path))) throw new Error(`cannot write the vector index ${path}`);
  }
}
