/**
 * How far newsq's encoder is from what the CPU can do. First the ceiling: ONNX Runtime's int8
 * matrix product (MatMulIntegerToFloat, the kernel of each linear layer of the q8 encoder) alone,
 * at the shapes of the encoder's linear layers, and float32 MatMul beside it. Then where the
 * encoder's time goes, by operator, from ONNX Runtime's profiler, on batches of 32 texts of 128
 * tokens: newsq's graph and the standard-operator graph before it, on every core and on one.
 *
 *   npx tsx scripts/encoder-ceiling.ts
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { LINEAR_MACS_PER_TOKEN, attentionMacs, buildEncoder, productCeiling, profiled, type EncoderGraph } from './encoder-lib.js';

const THREADS = availableParallelism();
// A batch of 32 texts of 128 tokens: 4,096 rows through every linear layer.
const BATCH = 32;
const TOKENS = 128;
const ROWS = BATCH * TOKENS;

console.log(`encoder ceiling: ${THREADS} threads, ONNX Runtime ${ort.env.versions.common}, rows ${ROWS} (${BATCH} texts x ${TOKENS} tokens)`);
const ceiling = await productCeiling(ROWS, THREADS);
console.table(ceiling.rows);
console.log(`int8 ceiling at the encoder's mix of shapes: ${ceiling.gmacs.toFixed(0)} GMAC/s`);

const ids = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i % TOKENS === 0 ? 101 : i % TOKENS === TOKENS - 1 ? 102 : 1000 + ((i * 37) % 20000)));
const feeds = { input_ids: new ort.Tensor('int64', ids, [BATCH, TOKENS]), token_type_ids: new ort.Tensor('int64', new BigInt64Array(ROWS), [BATCH, TOKENS]) };
const macs = ROWS * LINEAR_MACS_PER_TOKEN + BATCH * attentionMacs(TOKENS);
for (const graph of ['standard', 'fused'] as EncoderGraph[]) {
  for (const threads of [THREADS, 1]) {
    const { runMs, kernelMs } = await profiled(buildEncoder(graph, 'q8'), feeds, 10, threads);
    const total = [...kernelMs.values()].reduce((sum, ms) => sum + ms, 0);
    console.log(`\n${graph} graph, ${threads} thread(s): ${runMs.toFixed(1)} ms a batch (${((ROWS / runMs) * 1000).toFixed(0)} tokens/s), kernels ${total.toFixed(1)} ms`);
    console.table([...kernelMs].sort((a, b) => b[1] - a[1]).map(([op, ms]) => ({ operator: op, 'ms per batch': ms.toFixed(2), share: `${((ms / total) * 100).toFixed(1)}%` })));
    const products = kernelMs.get('MatMulIntegerToFloat') ?? 0;
    console.log(
      `int8 products ${((ROWS * LINEAR_MACS_PER_TOKEN) / products / 1e6).toFixed(0)} GMAC/s while they run; ` +
        `the whole encoder ${(macs / runMs / 1e6).toFixed(0)} GMAC/s (linear and attention products over its time), ` +
        `${((macs / runMs / 1e6 / ceiling.gmacs) * 100).toFixed(0)}% of the ${THREADS}-thread ceiling`,
    );
  }
}
