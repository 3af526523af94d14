import { Worker } from 'node:worker_threads';
import { NewsqError, type ErrorCode } from '../errors.js';
import type { EmbeddedText } from './embedder.js';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

export type Work = { kind: 'embed'; texts: string[] } | { kind: 'passages'; passages: string[][] };

/** What the main thread asks an embedding worker; `alone` when no other request is under way. */
export type WorkerRequest = { id: number; alone: boolean } & Work;

/** What a worker is started with: the model, its threads, and the threads of its second session. */
export interface LaneOptions extends TransformersEmbedderOptions {
  threads: number;
  /** Threads of a second session for requests sent alone; none when not above `threads`. */
  aloneThreads: number;
}

interface Failure {
  code?: ErrorCode;
  message: string;
}

/** What an embedding worker answers: once ready (or failed), then per request. */
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

// ONNX Runtime's Node binding runs a model synchronously on the calling thread. On the main thread
// that stops every other request, and BM25 cannot run while a question is embedded. In a worker,
// the event loop stays free: searches overlap their own embedding and each other's.
const WORKER = import.meta.url.endsWith('.ts') ? new URL('./embed-worker.ts', import.meta.url) : new URL('./embed-worker.js', import.meta.url);

/** One worker thread holding the model: requests answered one at a time, in arrival order. */
export interface EmbedLane {
  /** The model's dimensions, once it has loaded; rejects when it cannot load. */
  readonly ready: Promise<number>;
  call<T>(request: Work, alone: boolean, onBatch?: (embedded: number) => void): Promise<T>;
}

/** Starts a worker that loads the model. An idle worker does not keep the process alive. */
export function startLane(options: LaneOptions): EmbedLane {
  const worker = WORKER.pathname.endsWith('.ts')
    ? // Run from TypeScript sources (tests, scripts), the worker first registers tsx's loader.
      new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`, { eval: true, workerData: options })
    : new Worker(WORKER, { workerData: options });
  const pending = new Map<number, Pending>();
  let nextId = 0;
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
      if ('failed' in reply) {
        void worker.terminate();
        return reject(new NewsqError(reply.failed.code ?? 'model_unavailable', reply.failed.message));
      }
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
  // Nobody may wait on a lane that fails before its first request; the failure is kept for it.
  ready.catch(() => {});
  void ready.then(() => worker.unref(), () => {});

  return {
    ready,
    call<T>(request: Work, alone: boolean, onBatch?: (embedded: number) => void): Promise<T> {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: never) => void, reject, onBatch });
        worker.ref();
        worker.postMessage({ ...request, id, alone } satisfies WorkerRequest);
      });
    },
  };
}
