/** A passage added to or removed from the index by one commit. */
export interface PassageChange {
  id: number;
  added: boolean;
}

/**
 * A read of the change log: the changes committed after a generation, oldest first, and the
 * generation they bring a reader to, read together. `changes` is null when the log no longer
 * reaches back that far (it is pruned once a saved vector graph holds what it recorded).
 */
export interface LogRead {
  generation: number;
  changes: PassageChange[] | null;
}

/**
 * The log every commit writes in its own transaction: the passages it added and removed, under
 * the generation it made. What readers derive from the store (the vector graph, BM25 statistics,
 * the read cache) follows it rather than reading everything again.
 */
export interface ChangeLog {
  /** The generation of the newest commit. */
  generation(): Promise<number>;
  read(from: number): Promise<LogRead>;
  /** How many changes there are after `from`, or null when the log no longer reaches back. */
  count(from: number): Promise<number | null>;
}

/**
 * What a follower brings: the changes to apply, or `reset`: start over from the store itself (the
 * structure then says which generation it mirrors; for one that starts empty, the generation
 * given, or an older one, is right).
 */
export type LogUpdate = { kind: 'changes'; generation: number; changes: PassageChange[] } | { kind: 'reset'; generation: number };

/**
 * Follows the change log for one derived structure: each call says what was committed since the
 * last, so the structure applies it (or, on `reset`, rebuilds from the store and says at which
 * generation with {@link LogFollower.at}).
 */
export class LogFollower {
  /** The generation the structure mirrors; null before it was ever built. */
  private position: number | null = null;

  constructor(private readonly log: ChangeLog) {}

  get generation(): number | null {
    return this.position;
  }

  /** What was committed since the structure's generation, or null when nothing was. */
  async next(): Promise<LogUpdate | null> {
    if (this.position === null) return { kind: 'reset', generation: await this.log.generation() };
    const { generation, changes } = await this.log.read(this.position);
    if (generation === this.position) return null;
    if (changes === null) return { kind: 'reset', generation };
    this.position = generation;
    return { kind: 'changes', generation, changes };
  }

  /** How many changes the structure lacks; null when it must be rebuilt. */
  pending(): Promise<number | null> {
    return this.position === null ? Promise.resolve(null) : this.log.count(this.position);
  }

  /** Notes that the structure now mirrors `generation` (after a rebuild, or changes applied by hand). */
  at(generation: number): void {
    this.position = generation;
  }
}
