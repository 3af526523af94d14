import { Worker } from 'node:worker_threads';
import { NewsqError, type ErrorCode } from '../errors.js';
import type { EmbeddedText, Embedder } from './embedder.js';
import { encoderOf, loadTokenCounter, useModelCache, type TransformersEmbedderOptions } from './transformers-embedder.js';

type Work = { kind: 'embed'; texts: string[] } | { kind: 'passages'; passages: string[][] };

/** What the main thread asks the embedding worker; `alone` when no other request is under way. */
export type WorkerRequest = { id: number; alone: boolean } & Work;

export interface ThreadedEmbedderOptions extends TransformersEmbedderOptions {
  /** Threads for requests that overlap others: the event loop keeps the remaining cores. */
  threads: number;
  /**
   * Threads for a request sent while no other is under way (none has overlapped another for
   * OVERLAP_MEMORY_MS): nothing else needs the cores then, and the same model on a second session
   * with more threads answers sooner. Measured side by side over HTTP (README, Performance):
   * sequential questions faster, concurrent throughput unchanged.
   */
  aloneThreads: number;
}

interface Failure {
  code?: ErrorCode;
  message: string;
}

/** What the embedding worker answers: once ready (or failed), then per request. */
export type WorkerReply =
  | { ready: { dimensions: number } }
  | { failed: Failure }
  | { id: number; vectors: Float32Array[] }
  | { id: number; embedded: EmbeddedText[] }
  | { id: number; progress: number }
  | { id: number; error: Failure };

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onBatch?: (embedded: number) => void;
}

// A request counts as alone when none has overlapped another for this long: under concurrent load
// the queue empties now and then, but the event loop is still busy with other requests' searches.
const OVERLAP_MEMORY_MS = 100;

// ONNX Runtime's Node binding runs a model synchronously on the calling thread. On the main thread
// that stops every other request, and BM25 cannot run while a question is embedded. In a worker,
// the event loop stays free: searches overlap their own embedding and each other's.
const WORKER = import.meta.url.endsWith('.ts') ? new URL('./embed-worker.ts', import.meta.url) : new URL('./embed-worker.js', import.meta.url);

/**
 * An embedder whose model runs on a worker thread. Tokens are counted on the calling thread (only
 * the tokenizer is loaded there). The worker does not keep the process alive while idle.
 */
export async function createThreadedEmbedder(options: ThreadedEmbedderOptions): Promise<Embedder> {
  // The bundled model is converted (once) before the worker looks for it; the worker then loads the
  // model while this thread loads the tokenizer.
  useModelCache(options);
  const worker = WORKER.pathname.endsWith('.ts')
    ? // Run from TypeScript sources (tests, scripts), the worker first registers tsx's loader.
      new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`, { eval: true, workerData: options })
    : new Worker(WORKER, { workerData: options });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let lastOverlap = Number.NEGATIVE_INFINITY;
  let stopped: Error | null = null;

  const settle = (id: number) => {
    const entry = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return entry;
  };
  const stop = (error: Error) => {
    stopped = error;
    for (const id of [...pending.keys()]) settle(id)?.reject(error);
  };

  const ready = new Promise<number>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) return resolve(reply.ready.dimensions);
      if ('failed' in reply) return reject(new NewsqError(reply.failed.code ?? 'model_unavailable', reply.failed.message));
      if ('progress' in reply) return pending.get(reply.id)?.onBatch?.(reply.progress);
      const entry = settle(reply.id);
      if ('error' in reply) entry?.reject(new NewsqError(reply.error.code ?? 'internal', reply.error.message));
      else entry?.resolve(('vectors' in reply ? reply.vectors : reply.embedded) as never);
    });
    worker.on('error', (error) => {
      reject(error);
      stop(new NewsqError('model_unavailable', `the embedding worker failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      const error = new NewsqError('model_unavailable', `the embedding worker stopped (exit code ${code})`);
      reject(error);
      stop(error);
    });
  });
  let countTokens: (text: string) => number;
  let dimensions: number;
  try {
    [countTokens, dimensions] = await Promise.all([loadTokenCounter(options), ready]);
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref();

  const call = <T>(request: Work, onBatch?: (embedded: number) => void): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const now = performance.now();
      if (pending.size > 0) lastOverlap = now;
      const alone = now - lastOverlap > OVERLAP_MEMORY_MS;
      pending.set(id, { resolve: resolve as (value: never) => void, reject, onBatch });
      worker.ref();
      worker.postMessage({ ...request, id, alone } satisfies WorkerRequest);
    });
  };

  return {
    model: options.model,
    dtype: options.dtype,
    encoder: encoderOf(options.model),
    dimensions,
    maxTokens: options.maxTokens,
    embed: (texts) => call<Float32Array[]>({ kind: 'embed', texts }),
    embedPassages: (passages, onBatch) => call<EmbeddedText[]>({ kind: 'passages', passages }, onBatch),
    countTokens,
  };
}
