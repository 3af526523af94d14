import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { loadEmbedder } from '../../src/engine.js';
import { isNewsqError } from '../../src/errors.js';

describe('threaded embedder (the model on a worker thread)', () => {
  const config = resolveConfig(process.env, {});

  it('embeds, pools sentences and counts tokens exactly as the in-thread embedder', async () => {
    const [threaded, direct] = await Promise.all([loadEmbedder(config, { threaded: true }), loadEmbedder(config)]);
    expect(threaded.dimensions).toBe(direct.dimensions);
    const texts = ['why does Egypt oppose a Rafah offensive', 'The Philadelphi Corridor is a narrow strip of land.'];
    // Questions are embedded one request at a time, so each vector is the in-thread one, bit for bit.
    for (const text of texts) expect(Array.from((await threaded.embed([text]))[0])).toEqual(Array.from((await direct.embed([text]))[0]));
    const passages = [['Egypt fears an exodus.', 'Cairo says it would breach its security.'], ['One sentence only.']];
    const batches: number[] = [];
    const [fromWorker, fromMain] = await Promise.all([threaded.embedPassages(passages, (n) => batches.push(n)), direct.embedPassages(passages)]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(passages.length);
    expect(fromWorker.map((e) => [Array.from(e.vector), e.segments.map((s) => Array.from(s))])).toEqual(fromMain.map((e) => [Array.from(e.vector), e.segments.map((s) => Array.from(s))]));
    for (const text of [...texts, 'Netanyahu’s “delusional” remark', '']) expect(threaded.countTokens(text)).toBe(direct.countTokens(text));
  });

  it('answers concurrent requests each with its own vectors, the same as when asked alone', async () => {
    const threaded = await loadEmbedder(config, { threaded: true });
    const texts = Array.from({ length: 12 }, (_, i) => `question number ${i} about the Rafah crossing`);
    // Overlapping requests run on the one-thread session, a request alone on the one with every core.
    const vectors = await Promise.all(texts.map((text) => threaded.embed([text]).then(([v]) => v)));
    const alone: Float32Array[] = [];
    for (const text of texts) alone.push((await threaded.embed([text]))[0]);
    vectors.forEach((vector, i) => expect(Array.from(vector)).toEqual(Array.from(alone[i])));
    expect(new Set(vectors.map((v) => v[0])).size).toBe(texts.length);
  });

  it('reports a model that cannot load as model_unavailable', async () => {
    const error = await loadEmbedder({ ...config, model: 'no-such/model-anywhere' }, { threaded: true }).catch((e: unknown) => e);
    expect(isNewsqError(error, 'model_unavailable')).toBe(true);
  });
});
