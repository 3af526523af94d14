/**
 * The encoder graph newsq built before its fused one, kept for the benchmark to run side by side
 * (`npm run bench`, section 1b): standard ONNX operators around each int8 product, attention as
 * MatMul/Softmax/Transpose, bias and residual adds and layer norms apart. Its vectors are the
 * fused graph's to within int8 rounding; only the benchmark builds it.
 */
import type { BertConfig, EncoderPrecision } from '../src/embed/bert-onnx.js';
import { NewsqError } from '../src/errors.js';
import { ElementType, GraphBuilder } from '../src/embed/onnx-graph.js';
import { quantizePerColumn, transpose } from '../src/embed/quantize.js';
import type { Tensor } from '../src/embed/safetensors.js';

const OPSET = 17;
const MICROSOFT = 'com.microsoft';

// int8 activations: each token's row on its own symmetric scale, stored as uint8 around 128.
const ACTIVATION_LEVELS = 127;
// int8 weights use 7 bits: AVX2 (without VNNI) adds pairs of uint8 x int8 products in 16 bits with
// saturation, and 255 x 127 x 2 overflows it while 255 x 63 x 2 does not. Every x86-64 CPU then
// computes the same exact integer sums, VNNI or not.
const WEIGHT_BITS = 7;

/**
 * Builds an ONNX BERT encoder (inputs `input_ids` and `token_type_ids`; output
 * `last_hidden_state`) from a checkpoint's weights. It takes no attention mask: every text of a
 * batch must have the same number of tokens (newsq batches texts of one length), so no token is
 * padding and nothing of one text reaches another.
 *
 * With `q8`, each linear layer multiplies in int8 with exact integer sums (ONNX Runtime's
 * MatMulIntegerToFloat): weights on a scale per output column, activations on a scale per token
 * row, never shared with batch-mates, so a text's vector is the same in any batch. Embeddings,
 * attention and layer norms stay float32.
 */
export function buildStandardEncoder(weights: Map<string, Tensor>, config: BertConfig, precision: EncoderPrecision): Uint8Array {
  if (config.hidden_act !== 'gelu') {
    throw new NewsqError('model_unavailable', `unsupported activation ${config.hidden_act}: only BERT models with exact GELU can be converted`);
  }
  const graph = new GraphBuilder();
  const hidden = config.hidden_size;
  const heads = config.num_attention_heads;
  const headSize = hidden / heads;
  const take = (name: string): Tensor => {
    const tensor = weights.get(name) ?? weights.get(`bert.${name}`);
    if (!tensor) throw new NewsqError('model_unavailable', `the checkpoint has no tensor ${name}`);
    return tensor;
  };
  const floatWeight = (name: string): string => {
    const tensor = take(name);
    return graph.weight(name, tensor.shape, tensor.data, ElementType.float);
  };
  const layerNorm = (input: string, prefix: string): string =>
    graph.op('LayerNormalization', [input, floatWeight(`${prefix}.weight`), floatWeight(`${prefix}.bias`)], {
      axis: -1,
      epsilon: { float: config.layer_norm_eps },
    });

  // Activations are [tokens, features] matrices between the attention blocks: each token a row.
  const quantizedInputs = new Map<string, QuantizedRows>();
  const zeroPoint = graph.weight('activation_zero_point', [], Uint8Array.of(ACTIVATION_LEVELS + 1), ElementType.uint8);
  const one = graph.constant([1], ElementType.float, []);
  const linear = (input: string, prefix: string): string => {
    const { shape, data } = take(`${prefix}.weight`);
    const [outputs, inputs] = shape;
    const columns = transpose(data, outputs, inputs);
    const bias = floatWeight(`${prefix}.bias`);
    if (precision === 'fp32') {
      const matrix = graph.weight(`${prefix}.weight`, [inputs, outputs], columns, ElementType.float);
      return graph.op('Add', [graph.op('MatMul', [input, matrix]), bias]);
    }
    const { values, scales } = quantizePerColumn(columns, inputs, outputs, WEIGHT_BITS);
    const matrix = graph.weight(`${prefix}.weight_quantized`, [inputs, outputs], values, ElementType.int8);
    const scale = graph.weight(`${prefix}.weight_scale`, [outputs], scales, ElementType.float);
    // Q, K and V read the same activations: quantize them once.
    const rows = quantizedInputs.get(input) ?? quantizedInputs.set(input, quantizeRows(graph, input, zeroPoint)).get(input)!;
    // Integer sums times the weights' scales in one kernel; the rows' scales after.
    const product = graph.op('MatMulIntegerToFloat', [rows.values, matrix, one, scale, zeroPoint], {}, MICROSOFT);
    return graph.op('Add', [graph.op('Mul', [product, rows.scales]), bias]);
  };

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

  const splitHeads = graph.op('Concat', [batchShape, graph.constant([heads, headSize], ElementType.int64)], { axis: 0 });
  const scoreScale = graph.constant([1 / Math.sqrt(headSize)], ElementType.float, []);

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const project = (name: string, perm: number[]) =>
      graph.op('Transpose', [graph.op('Reshape', [linear(state, `${prefix}.attention.self.${name}`), splitHeads])], { perm });
    const query = project('query', [0, 2, 1, 3]);
    const key = project('key', [0, 2, 3, 1]);
    const value = project('value', [0, 2, 1, 3]);
    const probabilities = graph.op('Softmax', [graph.op('Mul', [graph.op('MatMul', [query, key]), scoreScale])], { axis: -1 });
    const context = graph.op('Reshape', [graph.op('Transpose', [graph.op('MatMul', [probabilities, value])], { perm: [0, 2, 1, 3] }), tokens]);
    const attended = layerNorm(graph.op('Add', [linear(context, `${prefix}.attention.output.dense`), state]), `${prefix}.attention.output.LayerNorm`);
    const intermediate = gelu(graph, linear(attended, `${prefix}.intermediate.dense`));
    state = layerNorm(graph.op('Add', [linear(intermediate, `${prefix}.output.dense`), attended]), `${prefix}.output.LayerNorm`);
  }

  const outputShape = graph.op('Concat', [batchShape, graph.constant([hidden], ElementType.int64)], { axis: 0 });
  return graph.serialize({
    inputs: ['input_ids', 'token_type_ids'],
    output: { name: 'last_hidden_state', from: graph.op('Reshape', [state, outputShape]) },
    hidden,
    opset: OPSET,
    docString: `BERT encoder converted by newsq (${precision})`,
  });
}

/** A matrix's rows quantized one by one: uint8 values, and each row's scale ([rows, 1]). */
interface QuantizedRows {
  values: string;
  scales: string;
}

/**
 * Quantizes a [rows, features] matrix row by row: each row to uint8 around the zero point (128) on
 * the scale of its largest magnitude.
 */
function quantizeRows(graph: GraphBuilder, input: string, zeroPoint: string): QuantizedRows {
  const high = graph.op('ReduceMax', [input], { axes: [1], keepdims: 1 });
  const low = graph.op('ReduceMin', [input], { axes: [1], keepdims: 1 });
  // A row of zeros keeps a positive scale: its values quantize to the zero point.
  const largest = graph.op('Max', [high, graph.op('Neg', [low]), graph.constant([1e-12], ElementType.float, [])]);
  const scales = graph.op('Div', [largest, graph.constant([ACTIVATION_LEVELS], ElementType.float, [])]);
  // QuantizeLinear scales along an axis with a scale and a zero point per row, given flat.
  const flatScales = graph.op('Reshape', [scales, graph.constant([-1], ElementType.int64)]);
  const zeroPoints = graph.op('Expand', [zeroPoint, graph.op('Shape', [flatScales])]);
  return { values: graph.op('QuantizeLinear', [input, flatScales, zeroPoints], { axis: 0 }), scales };
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), in the form ONNX Runtime fuses into one Gelu kernel. */
function gelu(graph: GraphBuilder, input: string): string {
  const erf = graph.op('Erf', [graph.op('Div', [input, graph.constant([Math.SQRT2], ElementType.float, [])])]);
  const shifted = graph.op('Add', [erf, graph.constant([1], ElementType.float, [])]);
  return graph.op('Mul', [graph.op('Mul', [input, shifted]), graph.constant([0.5], ElementType.float, [])]);
}
