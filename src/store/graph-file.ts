import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VectorIndex, type HnswSettings } from './vector-index.js';

// The HNSW file is named after the database generation it mirrors: a file of another generation
// is stale, and one whose write never completed never got its name.
const GRAPH_FILE = /^vectors-(\d+)\.hnsw$/;

const graphPath = (dir: string, generation: number) => join(dir, `vectors-${generation}.hnsw`);

/** Loads the graph saved for `generation`, or null when there is none or it cannot be read. */
export function loadGraphFile(dir: string, generation: number, dimensions: number, settings: HnswSettings, live: number): VectorIndex | null {
  const path = graphPath(dir, generation);
  if (!existsSync(path) || statSync(path).size === 0) return null;
  try {
    return VectorIndex.load(path, dimensions, settings, live);
  } catch {
    return null;
  }
}

/** The generation of the newest graph file in the folder, or null when there is none. */
export function latestGraphGeneration(dir: string): number | null {
  const generations = readdirSync(dir).flatMap((file) => {
    const match = GRAPH_FILE.exec(file);
    return match ? [Number(match[1])] : [];
  });
  return generations.length > 0 ? Math.max(...generations) : null;
}

/** Saves the graph of `generation` atomically (temp file, fsync, rename) and removes older ones. */
export function saveGraphFile(dir: string, generation: number, graph: VectorIndex): void {
  const path = graphPath(dir, generation);
  const temp = `${path}.tmp-${process.pid}`;
  graph.save(temp);
  const fd = openSync(temp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  for (const file of readdirSync(dir)) {
    if (GRAPH_FILE.test(file) && join(dir, file) !== path) rmSync(join(dir, file), { force: true });
  }
}
