import { NewsqError } from '../errors.js';
import { ElementType, GraphBuilder } from './onnx-graph.js';
import { quantizePerColumn, transpose } from './quantize.js';
import type { Tensor } from './safetensors.js';

/** The fields of a Hugging Face BERT `config.json` that shape the encoder graph. */
export interface BertConfig {
  hidden_size: number;
  num_attention_heads: number;
  num_hidden_layers: number;
  intermediate_size: number;
  layer_norm_eps: number;
  hidden_act: string;
}

/** `fp32` keeps every weight in float32; `q8` runs every linear layer's product in int8. */
export type EncoderPrecision = 'fp32' | 'q8';

// Opset 21: QuantizeLinear quantizes blocks, so a [tokens, features] matrix takes a [tokens, 1]
// scale (one per token row) directly.
const OPSET = 21;
const MICROSOFT = 'com.microsoft';

// int8 activations: each token's row on its own symmetric scale, stored as uint8 around 128.
const ACTIVATION_LEVELS = 127;
// int8 weights use 7 bits: AVX2 (without VNNI) adds pairs of uint8 x int8 products in 16 bits with
// saturation, and 255 x 127 x 2 overflows it while 255 x 63 x 2 does not. Every x86-64 CPU then
// computes the same exact integer sums, VNNI or not.
const WEIGHT_BITS = 7;
// The least value exact GELU takes (at x ≈ -0.75) is -0.16997.
const GELU_LEAST_MAGNITUDE = 0.17;
// GELU's outputs are quantized around this zero point: 32 levels below zero, 223 above (of the
// zero points tried, the closest int8 vectors to float32 on the sample paragraphs).
const GELU_ZERO_POINT = 32;

/**
 * Builds an ONNX BERT encoder (inputs `input_ids` and `token_type_ids`; output
 * `last_hidden_state`) from a checkpoint's weights. It takes no attention mask: every text of a
 * batch must have the same number of tokens (newsq batches texts of one length), so no token is
 * padding and nothing of one text reaches another.
 *
 * The graph is built of ONNX Runtime's fused CPU kernels where they measured faster
 * (docs/performance.md): attention is one MultiHeadAttention (biases, head split and join inside),
 * each feed-forward activation one BiasGelu. With `q8`, each linear layer multiplies in int8 with
 * exact integer sums (MatMulIntegerToFloat): weights on a scale per output column, activations on
 * a scale per token row, never shared with batch-mates, so a text's vector is the same in any
 * batch. Attention, activations and layer norms stay float32.
 */
export function buildBertEncoder(weights: Map<string, Tensor>, config: BertConfig, precision: EncoderPrecision): Uint8Array {
  if (config.hidden_act !== 'gelu') {
    throw new NewsqError('model_unavailable', `unsupported activation ${config.hidden_act}: only BERT models with exact GELU can be converted`);
  }
  const graph = new GraphBuilder();
  const hidden = config.hidden_size;
  const take = (name: string): Tensor => {
    const tensor = weights.get(name) ?? weights.get(`bert.${name}`);
    if (!tensor) throw new NewsqError('model_unavailable', `the checkpoint has no tensor ${name}`);
    return tensor;
  };
  const floatWeight = (name: string, tensor = take(name)): string => graph.weight(name, tensor.shape, tensor.data, ElementType.float);
  const layerNorm = (input: string, prefix: string): string =>
    graph.op('LayerNormalization', [input, floatWeight(`${prefix}.weight`), floatWeight(`${prefix}.bias`)], {
      axis: -1,
      epsilon: { float: config.layer_norm_eps },
    });
  const rows = precision === 'q8' ? new RowQuantizer(graph) : null;

  /** A linear layer's product without its bias (the kernel after it adds the bias). */
  const product = (input: string, prefix: string, geluOutput = false): string => {
    const { shape, data } = take(`${prefix}.weight`);
    const [outputs, inputs] = shape;
    const columns = transpose(data, outputs, inputs);
    if (!rows) return graph.op('MatMul', [input, graph.weight(`${prefix}.weight`, [inputs, outputs], columns, ElementType.float)]);
    const { values, scales } = quantizePerColumn(columns, inputs, outputs, WEIGHT_BITS);
    const matrix = graph.weight(`${prefix}.weight_quantized`, [inputs, outputs], values, ElementType.int8);
    const scale = graph.weight(`${prefix}.weight_scale`, [outputs], scales, ElementType.float);
    const quantized = rows.quantize(input, inputs, geluOutput);
    // Integer sums times the weights' scales in one kernel; the rows' scales after.
    const sums = graph.op('MatMulIntegerToFloat', [quantized.values, matrix, rows.one, scale, quantized.zeroPoint], {}, MICROSOFT);
    return graph.op('Mul', [sums, quantized.scales]);
  };
  const linear = (input: string, prefix: string, geluOutput = false): string =>
    graph.op('Add', [product(input, prefix, geluOutput), floatWeight(`${prefix}.bias`)]);

  // Embeddings: word + position + token type, then layer norm, as a [tokens, hidden] matrix.
  const batchShape = graph.op('Shape', ['input_ids']);
  const words = graph.op('Gather', [floatWeight('embeddings.word_embeddings.weight'), 'input_ids']);
  const sequenceLength = graph.op('Gather', [batchShape, graph.constant([1], ElementType.int64, [])]);
  const positions = graph.op('Range', [graph.constant([0], ElementType.int64, []), sequenceLength, graph.constant([1], ElementType.int64, [])]);
  const positionEmbeddings = graph.op('Gather', [floatWeight('embeddings.position_embeddings.weight'), positions]);
  const typeEmbeddings = graph.op('Gather', [floatWeight('embeddings.token_type_embeddings.weight'), 'token_type_ids']);
  const summed = graph.op('Add', [graph.op('Add', [words, positionEmbeddings]), typeEmbeddings]);
  const tokens = graph.constant([-1, hidden], ElementType.int64);
  let state = layerNorm(graph.op('Reshape', [summed, tokens]), 'embeddings.LayerNorm');

  // MultiHeadAttention reads [batch, sequence, hidden]; the linear layers read token rows.
  const sequences = graph.op('Concat', [batchShape, graph.constant([hidden], ElementType.int64)], { axis: 0 });
  const bySequence = (input: string) => graph.op('Reshape', [input, sequences]);

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const self = `${prefix}.attention.self`;
    const [query, key, value] = ['query', 'key', 'value'].map((name) => bySequence(product(state, `${self}.${name}`)));
    const biases = concatenate(['query', 'key', 'value'].map((name) => take(`${self}.${name}.bias`).data));
    const projectionBias = floatWeight(`${self}.qkv.bias`, { shape: [biases.length], data: biases });
    const attention = graph.op('MultiHeadAttention', [query, key, value, projectionBias], { num_heads: config.num_attention_heads }, MICROSOFT);
    const context = graph.op('Reshape', [attention, tokens]);
    const attended = layerNorm(graph.op('Add', [linear(context, `${prefix}.attention.output.dense`), state]), `${prefix}.attention.output.LayerNorm`);
    const activated = graph.op('BiasGelu', [product(attended, `${prefix}.intermediate.dense`), floatWeight(`${prefix}.intermediate.dense.bias`)], {}, MICROSOFT);
    state = layerNorm(graph.op('Add', [linear(activated, `${prefix}.output.dense`, true), attended]), `${prefix}.output.LayerNorm`);
  }

  return graph.serialize({
    inputs: ['input_ids', 'token_type_ids'],
    output: { name: 'last_hidden_state', from: bySequence(state) },
    hidden,
    opset: OPSET,
    docString: `BERT encoder converted by newsq (${precision})`,
  });
}

/** A matrix's rows quantized one by one: uint8 values, each row's scale ([rows, 1]), the zero point. */
interface QuantizedRows {
  values: string;
  scales: string;
  zeroPoint: string;
}

/**
 * Quantizes [rows, features] matrices row by row: each row to uint8 around the zero point (128)
 * on the scale of its largest magnitude. A matrix read by several products (Q, K and V) is
 * quantized once.
 */
class RowQuantizer {
  readonly one: string;
  private readonly zeroPoints = new Map<number, { scalar: string; rows: string | null }>();
  private readonly done = new Map<string, QuantizedRows>();

  constructor(private readonly graph: GraphBuilder) {
    this.one = graph.constant([1], ElementType.float, []);
  }

  /**
   * `input`'s rows of `features` values, quantized. GELU's outputs (`geluOutput`) are never below
   * -GELU_LEAST_MAGNITUDE: their zero point sits low, near 0, so their positive values get nearly
   * all 256 levels; other rows are symmetric around 128.
   */
  quantize(input: string, features: number, geluOutput: boolean): QuantizedRows {
    const known = this.done.get(input);
    if (known) return known;
    const { graph } = this;
    const axes = graph.constant([-1], ElementType.int64);
    const high = graph.op('ReduceMax', [input, axes], { keepdims: 1 });
    let scales: string;
    let zero: number;
    if (geluOutput) {
      zero = GELU_ZERO_POINT;
      // The scale reaches the row's maximum at 255 and -GELU_LEAST_MAGNITUDE at 0, whichever is wider.
      const floor = graph.constant([GELU_LEAST_MAGNITUDE / GELU_ZERO_POINT], ElementType.float, []);
      scales = graph.op('Max', [graph.op('Div', [high, graph.constant([255 - GELU_ZERO_POINT], ElementType.float, [])]), floor]);
    } else {
      zero = ACTIVATION_LEVELS + 1;
      // A row of zeros keeps a positive scale: its values quantize to the zero point.
      const largest = graph.op('Max', [high, graph.op('Neg', [graph.op('ReduceMin', [input, axes], { keepdims: 1 })]), graph.constant([1e-12], ElementType.float, [])]);
      scales = graph.op('Div', [largest, graph.constant([ACTIVATION_LEVELS], ElementType.float, [])]);
    }
    const zeroPoint = this.zeroPoint(zero, scales);
    const values = graph.op('QuantizeLinear', [input, scales, zeroPoint.rows!], { axis: 1, block_size: features });
    const rows = { values, scales, zeroPoint: zeroPoint.scalar };
    this.done.set(input, rows);
    return rows;
  }

  /** A zero point as the product takes it (a scalar) and as QuantizeLinear does (one per row, made once). */
  private zeroPoint(value: number, scales: string): { scalar: string; rows: string | null } {
    let zero = this.zeroPoints.get(value);
    if (!zero) {
      const scalar = this.graph.weight(`activation_zero_point_${value}`, [], Uint8Array.of(value), ElementType.uint8);
      // Every quantized matrix has the same rows (the batch's tokens).
      zero = { scalar, rows: this.graph.op('Expand', [scalar, this.graph.op('Shape', [scales])]) };
      this.zeroPoints.set(value, zero);
    }
    return zero;
  }
}

function concatenate(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
