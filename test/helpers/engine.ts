import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { readSources } from '../../src/read-sources.js';
import { resolveConfig } from '../../src/config.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { createFakeEmbedder } from './fake-embedder.js';
import { SAMPLES } from './fixtures.js';

/** A real engine (SQLite file, HNSW graph) over the sample articles, in `indexDir`. */
export async function sampleEngine(indexDir: string, embedder: Embedder = createFakeEmbedder()): Promise<Engine> {
  const config = resolveConfig({}, { indexDir });
  const engine = await createEngine(config, { writable: true, embedder });
  await engine.sync(readSources([SAMPLES]));
  return engine;
}

/**
 * Registers a sample engine for the enclosing describe block: built before its tests in a
 * temporary index, closed and removed after. Read `.engine` inside tests.
 */
export function useSampleEngine(makeEmbedder: () => Embedder | Promise<Embedder> = createFakeEmbedder): { engine: Engine } {
  const holder = {} as { engine: Engine; dir: string };
  beforeAll(async () => {
    holder.dir = mkdtempSync(join(tmpdir(), 'newsq-engine-'));
    holder.engine = await sampleEngine(holder.dir, await makeEmbedder());
  });
  afterAll(async () => {
    await holder.engine?.close();
    rmSync(holder.dir, { recursive: true, force: true });
  });
  return holder;
}
