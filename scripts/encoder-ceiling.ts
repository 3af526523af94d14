/**
 * How far newsq's encoder is from what the CPU can do. First the ceiling: ONNX Runtime's int8
 * matrix product (MatMulIntegerToFloat, the kernel the q8 encoder uses) alone, at the shapes of
 * the encoder's linear layers, and float32 MatMul beside it. Then where the encoder's own time
 * goes, by operator, from ONNX Runtime's profiler, on batches of 32 texts of 128 tokens.
 *
 *   npx tsx scripts/encoder-ceiling.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { resolveConfig } from '../src/config.js';
import { ensureBundledModel } from '../src/embed/model-cache.js';

const { onnx } = onnxProto;
const THREADS = availableParallelism();
// A batch of 32 texts of 128 tokens: 4,096 rows through every linear layer.
const BATCH = 32;
const TOKENS = 128;
const ROWS = BATCH * TOKENS;
// The encoder's linear layers: Q, K, V and the attention output (384 → 384), then 384 → 1536 → 384.
const SHAPES: [number, number][] = [
  [384, 384],
  [384, 1536],
  [1536, 384],
];
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;

/** A one-node model: `op` over input A (`aType`, [rows, k]) and initializers. */
function productModel(op: 'MatMulIntegerToFloat' | 'MatMul', k: number, n: number): Uint8Array {
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
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'product',
      node: [{ opType: op, input: inputs, output: ['Y'], name: 'product', domain: op === 'MatMul' ? '' : 'com.microsoft' }],
      initializer,
      input: [{ name: 'A', type: { tensorType: { elemType: op === 'MatMul' ? FLOAT : UINT8, shape: { dim: [{ dimValue: ROWS }, { dimValue: k }] } } } }],
      output: [{ name: 'Y', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: ROWS }, { dimValue: n }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: THREADS, interOpNumThreads: 1 };

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
async function profiled(model: Uint8Array | string, feeds: Record<string, ort.Tensor>, runs: number): Promise<Profiled> {
  const work = mkdtempSync(join(tmpdir(), 'newsq-profile-'));
  const settings = { ...options, enableProfiling: true, profileFilePrefix: join(work, 'run') };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, settings) : await ort.InferenceSession.create(model, settings);
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

console.log(`encoder ceiling: ${THREADS} threads, ONNX Runtime ${ort.env.versions.common}, rows ${ROWS} (${BATCH} texts x ${TOKENS} tokens)`);
const ceiling: Record<string, unknown>[] = [];
let int8Macs = 0;
let int8Ms = 0;
for (const [k, n] of SHAPES) {
  const row: Record<string, unknown> = { shape: `${ROWS}x${k} * ${k}x${n}` };
  for (const op of ['MatMulIntegerToFloat', 'MatMul'] as const) {
    const input =
      op === 'MatMul'
        ? new ort.Tensor('float32', Float32Array.from({ length: ROWS * k }, (_, i) => ((i * 31) % 100) / 100), [ROWS, k])
        : new ort.Tensor('uint8', Uint8Array.from({ length: ROWS * k }, (_, i) => (i * 31) % 256), [ROWS, k]);
    const ms = (await profiled(productModel(op, k, n), { A: input }, 30)).kernelMs.get(op)!;
    const gmacs = (ROWS * k * n) / ms / 1e6;
    row[op === 'MatMul' ? 'fp32 ms' : 'int8 ms'] = ms.toFixed(2);
    row[op === 'MatMul' ? 'fp32 GMAC/s' : 'int8 GMAC/s'] = gmacs.toFixed(0);
    if (op !== 'MatMul') {
      // Per layer the encoder runs four of the first shape and one of each other.
      const count = k === n ? 4 : 1;
      int8Macs += count * ROWS * k * n;
      int8Ms += count * ms;
    }
  }
  ceiling.push(row);
}
console.table(ceiling);
const ceilingGmacs = int8Macs / int8Ms / 1e6;
console.log(`int8 ceiling at the encoder's mix of shapes: ${ceilingGmacs.toFixed(0)} GMAC/s; one layer's linear products alone ${int8Ms.toFixed(2)} ms, six layers ${(6 * int8Ms).toFixed(1)} ms per batch`);

// The encoder itself, profiled by operator.
const cacheDir = resolveConfig(process.env, {}).cacheDir;
const { dir: modelDir } = ensureBundledModel(join(cacheDir, 'models'));
const ids = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i % TOKENS === 0 ? 101 : i % TOKENS === TOKENS - 1 ? 102 : 1000 + ((i * 37) % 20000)));
const feeds = { input_ids: new ort.Tensor('int64', ids, [BATCH, TOKENS]), token_type_ids: new ort.Tensor('int64', new BigInt64Array(ROWS), [BATCH, TOKENS]) };
const run = await profiled(join(modelDir, 'onnx', 'model_quantized.onnx'), feeds, 10);
const encoderMs = run.runMs;
const byOp = run.kernelMs;
const total = [...byOp.values()].reduce((sum, ms) => sum + ms, 0);
console.table([...byOp].sort((a, b) => b[1] - a[1]).map(([op, ms]) => ({ operator: op, 'ms per batch': ms.toFixed(2), share: `${((ms / total) * 100).toFixed(1)}%` })));
const linearMacs = 6 * (4 * 384 * 384 + 2 * 384 * 1536) * ROWS;
const attentionMacs = 6 * 2 * BATCH * TOKENS * TOKENS * 384;
const productMs = byOp.get('MatMulIntegerToFloat') ?? 0;
console.log(
  `encoder: ${encoderMs.toFixed(1)} ms per batch of ${BATCH}x${TOKENS} tokens (${((ROWS / encoderMs) * 1000).toFixed(0)} tokens/s), kernels ${total.toFixed(1)} ms; ` +
    `its int8 products ${(linearMacs / productMs / 1e6).toFixed(0)} GMAC/s while they run (${((linearMacs / productMs / 1e6 / ceilingGmacs) * 100).toFixed(0)}% of the ceiling); ` +
    `the whole encoder, linear and attention products over its time: ${((linearMacs + attentionMacs) / encoderMs / 1e6).toFixed(0)} GMAC/s, ` +
    `${(((linearMacs + attentionMacs) / encoderMs / 1e6 / ceilingGmacs) * 100).toFixed(0)}% of the ceiling`,
);
