/**
 * The worker-thread side of the threaded embedder: hosts one transformers.js embedder and answers
 * requests from the main thread, one at a time, in arrival order. Each request is embedded on its
 * own, never batched with another's texts: int8 activations are quantized over a whole batch, so a
 * question's vector would otherwise depend on whoever else was asking.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isNewsqError } from '../errors.js';
import type { EmbeddedText } from './embedder.js';
import { createTransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';
import type { WorkerReply, WorkerRequest } from './threaded-embedder.js';

const port = parentPort!;
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const failure = (error: unknown) => ({ code: isNewsqError(error) ? error.code : undefined, message: (error as Error).message ?? String(error) });

try {
  const embedder = await createTransformersEmbedder(workerData as TransformersEmbedderOptions);
  port.on('message', async (request: WorkerRequest) => {
    try {
      if (request.kind === 'embed') {
        const vectors = await embedder.embed(request.texts);
        post({ id: request.id, vectors }, vectors.map((v) => v.buffer as ArrayBuffer));
      } else {
        const embedded: EmbeddedText[] = await embedder.embedPassages(request.passages, (count) => post({ id: request.id, progress: count }));
        post({ id: request.id, embedded }, embedded.flatMap(({ vector, segments }) => [vector, ...segments].map((v) => v.buffer as ArrayBuffer)));
      }
    } catch (error) {
      post({ id: request.id, error: failure(error) });
    }
  });
  post({ ready: { dimensions: embedder.dimensions } });
} catch (error) {
  post({ failed: failure(error) });
}
