import type { ChangeLog } from '../change-log.js';
import type { HnswSettings, VectorIndex } from './vector-index.js';

/** One change to replay on a graph: a vector to add, or (null) a passage to remove. */
export interface GraphChange {
  id: number;
  vector: Float32Array | null;
}

/** Saved graphs: the newest generation saved, and reading and writing them off the event loop. */
export interface GraphSnapshots {
  latest(): Promise<number | null>;
  /** The graph saved at `generation`, or null when it cannot be read. */
  load(generation: number): Promise<VectorIndex | null>;
  /** Saves the graph of `generation` (its file appears whole or not at all) and lets the log forget what it holds. */
  save(generation: number, graph: VectorIndex): Promise<void>;
}

/** What the graph is derived from: a backend's vectors, change log and saved graphs. */
export interface GraphSource {
  dimensions: number;
  hnsw: HnswSettings;
  snapshots: GraphSnapshots;
  /** The log of what each commit added and removed, which the graph follows. */
  log: ChangeLog;
  /** The vectors of those of the passages that are stored. */
  vectorsOf(ids: number[]): Promise<Map<number, Float32Array>>;
  /** Every stored vector and their count, with the generation they are at, read together. */
  everything(): Promise<{ generation: number; count: number; vectors: Iterable<[number, Float32Array]> }>;
  /** Whether a writer in another process is at work: it will save the graph. */
  writerElsewhere(): boolean;
  onNotice?: (message: string) => void;
}

/** Applies changes to a graph; false when they do not fit it (a removed passage it does not hold). */
export function applyChanges(graph: VectorIndex, changes: GraphChange[], onNotice?: (message: string) => void): boolean {
  try {
    for (const { id, vector } of changes) {
      if (vector) graph.add(id, vector);
      else graph.remove(id);
    }
    return true;
  } catch (error) {
    onNotice?.(`the vector index disagrees with the passage log (${(error as Error).message})`);
    return false;
  }
}
