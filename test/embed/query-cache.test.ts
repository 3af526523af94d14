import { describe, expect, it } from 'vitest';
import { cacheQueries } from '../../src/embed/query-cache.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';

describe('query embedding cache', () => {
  it('embeds a repeated question once and returns the same vector', async () => {
    const model = createFakeEmbedder();
    const cached = cacheQueries(model, 2);
    const [first] = await cached.embed(['Rafah crossing']);
    const [again] = await cached.embed(['Rafah crossing']);
    expect(model.calls).toBe(1);
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(Array.from(first)).toEqual(Array.from((await model.embed(['Rafah crossing']))[0]));
  });

  it('hands out copies, so a caller changing its vector cannot change the cache', async () => {
    const cached = cacheQueries(createFakeEmbedder(), 4);
    const [first] = await cached.embed(['Sinai']);
    const original = Array.from(first);
    first.fill(0);
    expect(Array.from((await cached.embed(['Sinai']))[0])).toEqual(original);
  });

  it('evicts the least recently used question beyond its size', async () => {
    const model = createFakeEmbedder();
    const cached = cacheQueries(model, 2);
    await cached.embed(['a']);
    await cached.embed(['b']);
    await cached.embed(['a']); // a is now the most recent
    await cached.embed(['c']); // evicts b
    expect(model.calls).toBe(3);
    await cached.embed(['a']);
    expect(model.calls).toBe(3);
    await cached.embed(['b']);
    expect(model.calls).toBe(4);
  });

  it('shares one model run between identical questions asked together', async () => {
    const model = createFakeEmbedder();
    const cached = cacheQueries(model, 8);
    await Promise.all([cached.embed(['same']), cached.embed(['same']), cached.embed(['same'])]);
    expect(model.calls).toBe(1);
  });

  it('passes batches and passages through, and can be turned off', async () => {
    const model = createFakeEmbedder();
    const cached = cacheQueries(model, 8);
    await cached.embed(['x', 'y']);
    await cached.embed(['x', 'y']);
    await cached.embedPassages([['one.', 'two.']]);
    expect(model.calls).toBe(3);
    expect(cacheQueries(model, 0)).toBe(model);
  });

  it('forgets a failed embedding, so the next ask tries again', async () => {
    const model = createFakeEmbedder();
    let fail = true;
    const flaky = { ...model, embed: async (texts: string[]) => (fail ? Promise.reject(new Error('busy')) : model.embed(texts)) };
    const cached = cacheQueries(flaky, 8);
    await expect(cached.embed(['q'])).rejects.toThrow('busy');
    fail = false;
    expect((await cached.embed(['q']))[0]).toBeInstanceOf(Float32Array);
  });
});
