import { LogFollower, type PassageChange } from '../change-log.js';
import type { Hit } from '../store.js';
import { applyChanges, type GraphChange, type GraphSource } from './graph-source.js';
import { VectorIndex } from './vector-index.js';

// Changes a search replays on the graph before it answers (about half a millisecond each at 100k
// passages: a tenth of a second), and that a writer leaves to the log rather than saving the graph.
export const REPLAY_LIMIT = 256;
// Changes replayed between turns of the event loop when catching up in the background.
const REPLAY_SLICE = 32;
// A graph more than this share deleted is rebuilt before it is saved.
const REBUILD_DELETED_SHARE = 0.25;

/**
 * Keeps the HNSW graph of one open index in step with what writers commit, following the change
 * log. States (docs/architecture.md): unloaded until first used; then following. One task at a
 * time changes the graph (loading, replaying the log, switching to a newer saved graph, saving);
 * searches meanwhile use the graph as far as it got. Closed, every task stops at its next step.
 */
export class GraphKeeper {
  private graph: VectorIndex | null = null;
  private readonly follower: LogFollower;
  private task: Promise<void> | null = null;
  private closed = false;
  /** Passages the log added but that were removed before their vectors were read: their removal is no change to the graph. */
  private readonly vanished = new Set<number>();

  constructor(private readonly source: GraphSource) {
    this.follower = new LogFollower(source.log);
  }

  get loaded(): boolean {
    return this.graph !== null;
  }

  /** The `k` nearest passages, after taking in what the graph can take in at once. */
  async search(vector: Float32Array, k: number, filter?: (id: number) => boolean): Promise<Hit[]> {
    await this.follow();
    return this.graph?.search(vector, k, { filter }) ?? [];
  }

  /** The vectors of `ids` that the graph holds, from memory; a passage's vector never changes. */
  vectorsHeld(ids: number[]): Map<number, Float32Array> {
    const held = new Map<number, Float32Array>();
    for (const id of ids) {
      const vector = this.graph?.vector(id);
      if (vector) held.set(id, vector);
    }
    return held;
  }

  /**
   * Before a search: loads the graph on first use; replays a few new changes now; catches up
   * with many in the background, from a newer saved graph, or from the log when no writer will
   * save one. While a task runs, searches use the graph held.
   */
  async follow(): Promise<void> {
    if (!this.graph) return this.exclusive(() => this.load());
    if (this.task) return;
    let many = false;
    await this.start(async () => {
      const pending = await this.follower.pending();
      if (pending !== null && pending <= REPLAY_LIMIT) await this.replay(false);
      else many = true;
    });
    if (many) void this.start(() => this.catchUpInBackground(), true);
  }

  /** Takes in everything committed, a slice at a time (what a writer's own process does after a write). */
  catchUp(): Promise<void> {
    return this.exclusive(async () => {
      if (this.graph) await this.replay(true);
      else await this.load();
    });
  }

  /** Saves the graph, loaded and caught up first (only the write lock's holder may). */
  save(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.graph) await this.load();
      await this.replay(true);
      if (this.closed || !this.graph) return;
      if (this.graph.deletedShare > REBUILD_DELETED_SHARE) await this.rebuild();
      await this.source.snapshots.save(this.follower.generation!, this.graph!);
    });
  }

  close(): void {
    this.closed = true;
  }

  /** Runs a task that changes the graph once the running one (if any) is done. */
  private async exclusive(work: () => Promise<void>): Promise<void> {
    while (this.task) await this.task.catch(() => {});
    if (!this.closed) await this.start(work);
  }

  /** Starts a task unless one runs; `background`: its failure is told, not thrown. */
  private start(work: () => Promise<void>, background = false): Promise<void> {
    if (this.task) return this.task;
    const task = work().finally(() => {
      if (this.task === task) this.task = null;
    });
    this.task = task;
    return background ? task.catch((error: Error) => this.source.onNotice?.(`could not bring the vector index up to date: ${error.message}`)) : task;
  }

  private async catchUpInBackground(): Promise<void> {
    const latest = await this.source.snapshots.latest();
    if (latest !== null && latest > this.follower.generation!) {
      // Read off the event loop (seconds at 1M passages): searches use the graph held meanwhile.
      const file = await this.source.snapshots.load(latest);
      if (this.closed) return;
      if (file && (await this.adopt(file, latest))) return;
    }
    if (!this.source.writerElsewhere()) await this.replay(true);
  }

  /** The newest saved graph caught up with the log, else one rebuilt from the stored vectors. */
  private async load(): Promise<void> {
    const latest = await this.source.snapshots.latest();
    const file = latest === null ? null : await this.source.snapshots.load(latest);
    if (this.closed) return;
    if (!file || !(await this.adopt(file, latest!))) await this.rebuild(true);
  }

  /**
   * Takes a saved graph as the one held, caught up with the log: whole, or (while a writer at
   * work will save the graph again soon) as far as a search would replay. False, the graph held
   * before kept, when the log no longer reaches the file or does not fit it.
   */
  private async adopt(file: VectorIndex, generation: number): Promise<boolean> {
    const previous = [this.graph, this.follower.generation] as const;
    this.graph = file;
    this.follower.at(generation);
    if (await this.replay(!this.source.writerElsewhere(), true)) return true;
    this.graph = previous[0];
    if (previous[1] !== null) this.follower.at(previous[1]);
    return false;
  }

  private async rebuild(tell = false): Promise<void> {
    const { generation, count, vectors } = await this.source.everything();
    if (tell && count > 0) this.source.onNotice?.(`rebuilding the vector index from ${count} stored passages`);
    const graph = VectorIndex.create(this.source.dimensions, this.source.hnsw, count + 1024);
    for (const [id, vector] of vectors) graph.add(id, vector);
    this.graph = graph;
    this.follower.at(generation);
    this.vanished.clear();
  }

  /**
   * Replays the log on the graph held: all of it in slices, the event loop turning in between, or
   * (`whole` false) only when there are at most REPLAY_LIMIT changes. False when the log no longer
   * reaches the graph's generation or does not fit the graph (a file or log that disagrees with
   * the database is not trusted): with `probe` the caller decides, else the graph is rebuilt.
   */
  private async replay(whole: boolean, probe = false): Promise<boolean> {
    for (;;) {
      if (this.closed || !this.graph) return true;
      if (!whole) {
        const pending = await this.follower.pending();
        if (pending !== null && pending > REPLAY_LIMIT) return true;
      }
      const graph = this.graph;
      const update = await this.follower.next();
      if (!update) return true;
      let fits = update.kind === 'changes';
      const changes = update.kind === 'changes' ? await this.plan(update.changes) : [];
      // A few changes at once; many a slice at a time.
      const slice = whole ? REPLAY_SLICE : changes.length;
      for (let from = 0; fits && from < changes.length; from += slice) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        if (this.closed || this.graph !== graph) return true;
        fits = applyChanges(graph, changes.slice(from, from + slice), this.source.onNotice);
      }
      if (!fits) {
        if (probe) return false;
        await this.rebuild(true);
        return true;
      }
      if (!whole) return true;
    }
  }

  /** Logged changes as graph changes: an added passage with its vector; one removed since, left out. */
  private async plan(changes: PassageChange[]): Promise<GraphChange[]> {
    const vectors = await this.source.vectorsOf(changes.filter((change) => change.added).map((change) => change.id));
    const plan: GraphChange[] = [];
    for (const { id, added } of changes) {
      const vector = vectors.get(id);
      if (added && vector) plan.push({ id, vector });
      else if (added) this.vanished.add(id);
      else if (!this.vanished.delete(id)) plan.push({ id, vector: null });
    }
    return plan;
  }
}
