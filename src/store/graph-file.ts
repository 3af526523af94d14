import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { VectorIndex, type HnswSettings } from './vector-index.js';

// The HNSW file is named after the database generation it mirrors: a file of another generation
// is stale, and one whose write never completed never got its name.
const GRAPH_FILE = /^vectors-(\d+)\.hnsw$/;

const graphPath = (dir: string, generation: number) => join(dir, `vectors-${generation}.hnsw`);

/** Loads the graph saved for `generation`, or null when there is none or it cannot be read. */
export function loadGraphFile(dir: string, generation: number, dimensions: number, settings: HnswSettings, live: number): VectorIndex | null {
  const path = graphPath(dir, generation);
  if (!isGraphFile(path)) return null;
  try {
    return VectorIndex.load(path, dimensions, settings, live);
  } catch {
    return null;
  }
}

/** {@link loadGraphFile} without blocking the event loop while the file is read. */
export async function loadGraphFileAsync(dir: string, generation: number, dimensions: number, settings: HnswSettings, live: number): Promise<VectorIndex | null> {
  const path = graphPath(dir, generation);
  if (!isGraphFile(path)) return null;
  return VectorIndex.loadAsync(path, dimensions, settings, live).catch(() => null);
}

const isGraphFile = (path: string): boolean => existsSync(path) && statSync(path).size > 0;

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
  const temp = tempPath(path);
  graph.save(temp);
  const fd = openSync(temp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  install(dir, temp, path);
}

/**
 * {@link saveGraphFile} without blocking the event loop while the file is written and synced; the
 * graph must not change until it resolves.
 */
export async function saveGraphFileAsync(dir: string, generation: number, graph: VectorIndex): Promise<void> {
  const path = graphPath(dir, generation);
  const temp = tempPath(path);
  await graph.saveAsync(temp);
  const file = await open(temp, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  install(dir, temp, path);
}

const tempPath = (path: string) => `${path}.tmp-${process.pid}`;

/** Renames a written, synced graph file into place and removes the older ones. */
function install(dir: string, temp: string, path: string): void {
  renameSync(temp, path);
  for (const file of readdirSync(dir)) {
    if (GRAPH_FILE.test(file) && join(dir, file) !== path) rmSync(join(dir, file), { force: true });
  }
}
