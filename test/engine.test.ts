import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { createFakeEmbedder } from './helpers/fake-embedder.js';
import { sampleEngine } from './helpers/engine.js';
import { tempDir } from './helpers/fixtures.js';

describe('opening an engine to read', () => {
  it('opens the index while the model is still loading, and answers once it is there', async () => {
    const dir = tempDir();
    (await sampleEngine(dir)).close();
    let loaded!: (embedder: ReturnType<typeof createFakeEmbedder>) => void;
    const loading = new Promise<ReturnType<typeof createFakeEmbedder>>((resolve) => (loaded = resolve));
    const opening = createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder: loading });
    loaded(createFakeEmbedder());
    const engine = await opening;
    const { results } = await engine.search({ query: 'Philadelphi Corridor', k: 3 });
    expect(results.length).toBe(3);
    engine.close();
  });

  it('refuses an index built by another model, naming the difference, and releases the index', async () => {
    const dir = tempDir();
    (await sampleEngine(dir)).close();
    const other = { ...createFakeEmbedder(), model: 'other/model' };
    const config = resolveConfig({}, { indexDir: dir });
    await expect(createEngine(config, { writable: false, embedder: other })).rejects.toMatchObject({
      code: 'index_mismatch',
      message: expect.stringContaining('model is "fake/bag-of-words" in the index but "other/model" now'),
    });
    // Nothing was left open: a writer gets the index.
    (await createEngine(config, { writable: true, embedder: createFakeEmbedder() })).close();
  });

  it('fails with no_index where there is none, and with the model’s own error when it cannot load', async () => {
    await expect(createEngine(resolveConfig({}, { indexDir: tempDir() }), { writable: false, embedder: createFakeEmbedder() })).rejects.toMatchObject({ code: 'no_index' });
    const dir = tempDir();
    (await sampleEngine(dir)).close();
    const failing = Promise.reject(Object.assign(new Error('cannot load the model'), { code: 'model_unavailable' }));
    await expect(createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder: failing })).rejects.toMatchObject({ code: 'model_unavailable' });
  });
});
