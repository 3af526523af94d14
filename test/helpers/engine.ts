import { readSources } from '../../src/cli/read-sources.js';
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
