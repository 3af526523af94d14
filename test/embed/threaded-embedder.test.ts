import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createThreadedEmbedder } from '../../src/embed/threaded-embedder.js';
import { createTransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { loadEmbedder } from '../../src/engine.js';
import { isNewsqError } from '../../src/errors.js';
import { cleanArticle } from '../../src/ingest/clean.js';
import { parseFile } from '../../src/ingest/parse.js';
import { sampleFiles } from '../helpers/fixtures.js';

describe('threaded embedder (the model on worker threads)', () => {
  const config = resolveConfig(process.env, {});
  const settings = { model: config.model, dtype: config.dtype, cacheDir: config.cacheDir, maxTokens: config.maxTokens, batchSize: config.batchSize };
  const inThread = () => createTransformersEmbedder({ ...settings, threads: 1 });

  it('embeds, pools sentences and counts tokens exactly as the in-thread embedder', async () => {
    const [threaded, direct] = await Promise.all([loadEmbedder(config), inThread()]);
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
    const threaded = await loadEmbedder(config);
    const texts = Array.from({ length: 12 }, (_, i) => `question number ${i} about the Rafah crossing`);
    // Overlapping requests run on the one-thread session, a request alone on the one with every core.
    const vectors = await Promise.all(texts.map((text) => threaded.embed([text]).then(([v]) => v)));
    const alone: Float32Array[] = [];
    for (const text of texts) alone.push((await threaded.embed([text]))[0]);
    vectors.forEach((vector, i) => expect(Array.from(vector)).toEqual(Array.from(alone[i])));
    expect(new Set(vectors.map((v) => v[0])).size).toBe(texts.length);
  });

  it('spreads a request of many batches over its lanes, each text embedded as in one thread', async () => {
    // Paragraphs of many token counts, cut into sentences: one batch per count, spread over three lanes.
    const paragraphs = sampleFiles().flatMap(([name, text]) => parseFile(name, Buffer.from(text)).articles.flatMap((a) => cleanArticle(a).paragraphs));
    const passages = paragraphs.slice(0, 60).map((paragraph) => paragraph.split(/(?<=\.) /));
    const [lanes, direct] = await Promise.all([createThreadedEmbedder({ ...settings, threads: 1, aloneThreads: 1, lanes: 3 }), inThread()]);
    const batches: number[] = [];
    const [spread, alone] = await Promise.all([lanes.embedPassages(passages, (n) => batches.push(n)), direct.embedPassages(passages)]);
    expect(batches.length).toBeGreaterThan(10);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(passages.length);
    const flat = (list: typeof spread) => list.map((e) => [Array.from(e.vector), e.segments.map((s) => Array.from(s))]);
    expect(flat(spread)).toEqual(flat(alone));
    const texts = paragraphs.slice(0, 40);
    expect((await lanes.embed(texts)).map((v) => Array.from(v))).toEqual((await direct.embed(texts)).map((v) => Array.from(v)));
  });

  it('reports a model that cannot load as model_unavailable', async () => {
    const error = await loadEmbedder({ ...config, model: 'no-such/model-anywhere' }).catch((e: unknown) => e);
    expect(isNewsqError(error, 'model_unavailable')).toBe(true);
  });
});
