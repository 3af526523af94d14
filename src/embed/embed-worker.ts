/**
 * The worker-thread side of an embedding lane: hosts the model and answers requests from the
 * main thread, one at a time, in arrival order. A request the main thread sent alone runs on a
 * second session of the same model with more threads, when the lane has one (see
 * ThreadedEmbedderOptions).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isNewsqError } from '../errors.js';
import type { EmbeddedText } from './embedder.js';
import { createTransformersEmbedder } from './transformers-embedder.js';
import type { LaneOptions, WorkerReply, WorkerRequest } from './embed-lane.js';

const port = parentPort!;
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const failure = (error: unknown) => ({ code: isNewsqError(error) ? error.code : undefined, message: (error as Error).message ?? String(error) });

try {
  const options = workerData as LaneOptions;
  const shared = await createTransformersEmbedder(options);
  // Both sessions compute the same vectors, bit for bit (test): the thread count only splits the work.
  const alone = options.aloneThreads > options.threads ? await createTransformersEmbedder({ ...options, threads: options.aloneThreads }) : shared;
  port.on('message', async (request: WorkerRequest) => {
    const embedder = request.alone ? alone : shared;
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
  post({ ready: { dimensions: shared.dimensions } });
} catch (error) {
  post({ failed: failure(error) });
}
