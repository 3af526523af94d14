import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphSnapshots } from '../vector/graph-source.js';
import { VectorIndex, type HnswSettings } from '../vector/vector-index.js';

// A saved graph is named after the database generation it mirrors: a file of another generation
// is stale, and one whose write never completed never got its name.
const GRAPH_FILE = /^vectors-(\d+)\.hnsw$/;

const graphPath = (dir: string, generation: number) => join(dir, `vectors-${generation}.hnsw`);

export interface GraphFileOptions {
  dir: string;
  dimensions: number;
  hnsw: HnswSettings;
  /** How many passages were live at a generation the log still reaches; null when it does not. */
  liveAt(generation: number): number | null;
  /** The log may forget what a graph saved at this generation holds. */
  saved(generation: number): void;
}

/** Saved graphs as files in the index folder, read and written on libuv's threads. */
export function graphFiles(options: GraphFileOptions): GraphSnapshots {
  const { dir } = options;
  return {
    async latest() {
      const generations = readdirSync(dir).flatMap((file) => {
        const match = GRAPH_FILE.exec(file);
        return match ? [Number(match[1])] : [];
      });
      return generations.length > 0 ? Math.max(...generations) : null;
    },
    async load(generation) {
      const path = graphPath(dir, generation);
      const live = options.liveAt(generation);
      if (live === null || !existsSync(path) || statSync(path).size === 0) return null;
      return VectorIndex.load(path, options.dimensions, options.hnsw, live).catch(() => null);
    },
    async save(generation, graph) {
      const path = graphPath(dir, generation);
      const temp = `${path}.tmp-${process.pid}`;
      await graph.save(temp);
      const file = await open(temp, 'r+');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
      renameSync(temp, path);
      for (const name of readdirSync(dir)) {
        if (GRAPH_FILE.test(name) && join(dir, name) !== path) rmSync(join(dir, name), { force: true });
      }
      options.saved(generation);
    },
  };
}
