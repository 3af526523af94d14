import type { EmbeddedText, Embedder } from './embedder.js';
import { startLane, type EmbedLane, type LaneOptions, type Work } from './embed-lane.js';
import { batchesByLength, encoderOf, loadTokenCounter, useModelCache } from './transformers-embedder.js';

export interface ThreadedEmbedderOptions extends LaneOptions {
  /** Threads of each lane for batches and for requests that overlap others. */
  threads: number;
  /**
   * Threads for a one-batch request (a question) sent while no other is under way (none has
   * overlapped another for OVERLAP_MEMORY_MS): nothing else needs the cores then, and the same
   * model on a second session with more threads answers sooner. Measured side by side over HTTP
   * (docs/performance.md): sequential questions faster, concurrent throughput unchanged.
   */
  aloneThreads: number;
  /**
   * Workers that embed a request of many batches side by side, each batch whole on one of them
   * (default 1). ONNX Runtime spreads a batch's large products over threads well but the
   * operators between them poorly: one thread per batch, on as many batches at once as there are
   * cores, embeds faster (docs/performance.md). The first lane starts at once; the others with
   * the first request that has batches for them.
   */
  lanes?: number;
}

// A request counts as alone when none has overlapped another for this long: under concurrent load
// the queue empties now and then, but the event loop is still busy with other requests' searches.
const OVERLAP_MEMORY_MS = 100;

/**
 * An embedder whose model runs on worker threads. Tokens are counted on the calling thread (only
 * the tokenizer is loaded there), which also cuts requests into batches of one token count when
 * it has more than one lane to give them to. Idle workers do not keep the process alive.
 */
export async function createThreadedEmbedder(options: ThreadedEmbedderOptions): Promise<Embedder> {
  // The bundled model is converted (once) before a worker looks for it; the first worker then
  // loads the model while this thread loads the tokenizer.
  useModelCache(options);
  const laneCount = Math.max(1, options.lanes ?? 1);
  const first = startLane(options);
  // Further lanes are plain: a request sent alone is answered by the first.
  const lanes: (EmbedLane | null)[] = [first, ...Array.from({ length: laneCount - 1 }, () => null)];
  const lane = (i: number): EmbedLane => (lanes[i] ??= startLane({ ...options, aloneThreads: options.threads }));
  const [countTokens, dimensions] = await Promise.all([loadTokenCounter(options), first.ready]);

  let active = 0;
  let lastOverlap = Number.NEGATIVE_INFINITY;
  /** Runs one request; `items` and `lengths` are its texts (or passages) and their token counts. */
  async function run<T>(items: string[] | string[][], lengths: () => number[], work: (part: number[]) => Work, onBatch?: (embedded: number) => void): Promise<T[]> {
    const now = performance.now();
    if (active > 0) lastOverlap = now;
    const alone = now - lastOverlap > OVERLAP_MEMORY_MS;
    active++;
    try {
      const whole = items.map((_, i) => i);
      const batches = laneCount > 1 ? batchesByLength(lengths(), options.batchSize) : [whole];
      if (batches.length <= 1) return await first.call<T[]>(work(whole), alone, onBatch);
      return await spread<T>(batches, items.length, work, onBatch);
    } finally {
      active--;
    }
  }

  /** Each lane takes the next batch as it finishes one, until none is left. */
  async function spread<T>(batches: number[][], count: number, work: (part: number[]) => Work, onBatch?: (embedded: number) => void): Promise<T[]> {
    const out = new Array<T>(count);
    const queue = batches.slice();
    const drain = async (i: number) => {
      const worker = lane(i);
      // A lane that cannot start leaves its share to the others.
      if (!(await worker.ready.then(() => true, () => false))) return;
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const part = batch;
        const done = await worker.call<T[]>(work(part), false);
        part.forEach((index, j) => (out[index] = done[j]));
        onBatch?.(part.length);
      }
    };
    const drains = lanes.map((_, i) => drain(i));
    try {
      await Promise.all(drains);
    } catch (error) {
      // The batches left are nobody's now; let the other lanes finish the one they hold.
      queue.length = 0;
      await Promise.allSettled(drains);
      throw error;
    }
    return out;
  }

  const tokensOf = (text: string) => Math.min(countTokens(text), options.maxTokens);
  // A passage's token count as the worker reckons it: its sentences' tokens and two special ones.
  const passageTokens = (parts: string[]) => Math.min(parts.reduce((sum, part) => sum + countTokens(part) - 2, 0) + 2, options.maxTokens);
  return {
    model: options.model,
    dtype: options.dtype,
    encoder: encoderOf(options.model),
    dimensions,
    maxTokens: options.maxTokens,
    embed: (texts) =>
      run<Float32Array>(
        texts,
        () => texts.map(tokensOf),
        (part) => ({ kind: 'embed', texts: part.map((i) => texts[i]) }),
      ),
    embedPassages: (passages, onBatch) =>
      run<EmbeddedText>(
        passages,
        () => passages.map(passageTokens),
        (part) => ({ kind: 'passages', passages: part.map((i) => passages[i]) }),
        onBatch,
      ),
    countTokens,
  };
}
