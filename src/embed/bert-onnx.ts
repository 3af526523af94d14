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

/** `fp32` keeps every weight in float32; `q8` runs every matrix product in int8. */
export type EncoderPrecision = 'fp32' | 'q8';

const OPSET = 17;
const FLOAT_MIN = -3.4028234663852886e38;

/**
 * Builds an ONNX BERT encoder (inputs `input_ids`, `attention_mask`, `token_type_ids`; output
 * `last_hidden_state`) from a checkpoint's weights. With `q8`, each linear layer becomes
 * DynamicQuantizeLinear + MatMulInteger with per-column int8 weights, the pattern ONNX Runtime
 * fuses into its int8 matrix kernels; embeddings and layer norms stay float32.
 */
export function buildBertEncoder(weights: Map<string, Tensor>, config: BertConfig, precision: EncoderPrecision): Uint8Array {
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

  const quantizedInputs = new Map<string, string[]>();
  const linear = (input: string, prefix: string): string => {
    const { shape, data } = take(`${prefix}.weight`);
    const [outputs, inputs] = shape;
    const columns = transpose(data, outputs, inputs);
    const bias = floatWeight(`${prefix}.bias`);
    if (precision === 'fp32') {
      const matrix = graph.weight(`${prefix}.weight`, [inputs, outputs], columns, ElementType.float);
      return graph.op('Add', [graph.op('MatMul', [input, matrix]), bias]);
    }
    const { values, scales } = quantizePerColumn(columns, inputs, outputs);
    const matrix = graph.weight(`${prefix}.weight_quantized`, [inputs, outputs], values, ElementType.int8);
    const scale = graph.weight(`${prefix}.weight_scale`, [outputs], scales, ElementType.float);
    // Q, K and V read the same activations: quantize them once.
    let quantized = quantizedInputs.get(input);
    if (!quantized) {
      quantized = graph.node('DynamicQuantizeLinear', [input], {}, 3);
      quantizedInputs.set(input, quantized);
    }
    const [values8, inputScale, inputZeroPoint] = quantized;
    const product = graph.op('MatMulInteger', [values8, matrix, inputZeroPoint]);
    const combinedScale = graph.op('Mul', [inputScale, scale]);
    const rescaled = graph.op('Mul', [graph.op('Cast', [product], { to: ElementType.float }), combinedScale]);
    return graph.op('Add', [rescaled, bias]);
  };

  // Embeddings: word + position + token type, then layer norm.
  const words = graph.op('Gather', [floatWeight('embeddings.word_embeddings.weight'), 'input_ids']);
  const sequenceLength = graph.op('Gather', [graph.op('Shape', ['input_ids']), graph.constant([1], ElementType.int64, [])]);
  const positions = graph.op('Range', [graph.constant([0], ElementType.int64, []), sequenceLength, graph.constant([1], ElementType.int64, [])]);
  const positionEmbeddings = graph.op('Gather', [floatWeight('embeddings.position_embeddings.weight'), positions]);
  const typeEmbeddings = graph.op('Gather', [floatWeight('embeddings.token_type_embeddings.weight'), 'token_type_ids']);
  const summed = graph.op('Add', [graph.op('Add', [words, positionEmbeddings]), typeEmbeddings]);
  let state = layerNorm(summed, 'embeddings.LayerNorm');

  // Padding positions get the most negative float added to their attention scores.
  const maskFloat = graph.op('Cast', ['attention_mask'], { to: ElementType.float });
  const inverted = graph.op('Sub', [graph.constant([1], ElementType.float, []), maskFloat]);
  const additiveMask = graph.op('Unsqueeze', [graph.op('Mul', [inverted, graph.constant([FLOAT_MIN], ElementType.float, [])]), graph.constant([1, 2], ElementType.int64)]);
  const splitHeads = graph.constant([0, 0, heads, headSize], ElementType.int64);
  const mergeHeads = graph.constant([0, 0, hidden], ElementType.int64);
  const scoreScale = graph.constant([1 / Math.sqrt(headSize)], ElementType.float, []);

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const project = (name: string, perm: number[]) =>
      graph.op('Transpose', [graph.op('Reshape', [linear(state, `${prefix}.attention.self.${name}`), splitHeads])], { perm });
    const query = project('query', [0, 2, 1, 3]);
    const key = project('key', [0, 2, 3, 1]);
    const value = project('value', [0, 2, 1, 3]);
    const scores = graph.op('Add', [graph.op('Mul', [graph.op('MatMul', [query, key]), scoreScale]), additiveMask]);
    const probabilities = graph.op('Softmax', [scores], { axis: -1 });
    const context = graph.op('Reshape', [graph.op('Transpose', [graph.op('MatMul', [probabilities, value])], { perm: [0, 2, 1, 3] }), mergeHeads]);
    const attended = layerNorm(graph.op('Add', [linear(context, `${prefix}.attention.output.dense`), state]), `${prefix}.attention.output.LayerNorm`);
    const intermediate = gelu(graph, linear(attended, `${prefix}.intermediate.dense`));
    state = layerNorm(graph.op('Add', [linear(intermediate, `${prefix}.output.dense`), attended]), `${prefix}.output.LayerNorm`);
  }

  return graph.serialize({
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
    output: { name: 'last_hidden_state', from: state },
    hidden,
    opset: OPSET,
    docString: `BERT encoder converted by newsq (${precision})`,
  });
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), in the form ONNX Runtime fuses into one Gelu kernel. */
function gelu(graph: GraphBuilder, input: string): string {
  const erf = graph.op('Erf', [graph.op('Div', [input, graph.constant([Math.SQRT2], ElementType.float, [])])]);
  const shifted = graph.op('Add', [erf, graph.constant([1], ElementType.float, [])]);
  return graph.op('Mul', [graph.op('Mul', [input, shifted]), graph.constant([0.5], ElementType.float, [])]);
}
