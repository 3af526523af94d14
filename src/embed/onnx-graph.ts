import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by the encoders newsq builds. */
export const ElementType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
type ElementTypeCode = (typeof ElementType)[keyof typeof ElementType];

type AttributeValue = number | number[] | { float: number };

/**
 * Accumulates nodes and initializers of one ONNX graph and serializes it with the message
 * definitions from `onnx-proto`. Node outputs get unique generated names, so callers only name
 * the graph's inputs, outputs and weights.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;
  /** Operator domains beyond the standard one (ONNX Runtime's `com.microsoft`), each at version 1. */
  private readonly domains = new Set<string>();

  /** Adds a weight tensor; returns its name. */
  weight(name: string, dims: number[], data: Float32Array | Int8Array | Uint8Array | BigInt64Array, type: ElementTypeCode): string {
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, dataType: type, rawData });
    return name;
  }

  /** A float32 or int64 constant, deduplicated by value. */
  constant(values: number[], type: typeof ElementType.float | typeof ElementType.int64, dims: number[] = [values.length]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_${this.constants.size}`;
    const data = type === ElementType.float ? Float32Array.from(values) : BigInt64Array.from(values.map(BigInt));
    this.weight(name, dims, data, type);
    this.constants.set(key, name);
    return name;
  }

  /** Adds one node and returns the names of its outputs. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputCount = 1, domain = ''): string[] {
    const id = this.counter++;
    const output = Array.from({ length: outputCount }, (_, i) => `${opType.toLowerCase()}_${id}_${i}`);
    const attribute = Object.entries(attributes).map(([name, value]) => toAttribute(name, value));
    if (domain) this.domains.add(domain);
    this.nodes.push({ opType, input: inputs, output, name: `${opType}_${id}`, attribute, domain });
    return output;
  }

  /** Adds one single-output node (of the standard domain unless named) and returns its output name. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, domain = ''): string {
    return this.node(opType, inputs, attributes, 1, domain)[0];
  }

  /** Serializes the graph as an ONNX model with the given dynamic-shaped inputs and output. */
  serialize(options: { inputs: string[]; output: { name: string; from: string }; hidden: number; opset: number; docString: string }): Uint8Array {
    this.op('Identity', [options.output.from]);
    this.nodes[this.nodes.length - 1].output = [options.output.name];
    const dim = (names: string[]) => ({ dim: names.map((dimParam) => ({ dimParam })) });
    const graph = {
      name: 'encoder',
      node: this.nodes,
      initializer: this.initializers,
      input: options.inputs.map((name) => ({
        name,
        type: { tensorType: { elemType: ElementType.int64, shape: dim(['batch_size', 'sequence_length']) } },
      })),
      output: [
        {
          name: options.output.name,
          type: {
            tensorType: {
              elemType: ElementType.float,
              shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: options.hidden }] },
            },
          },
        },
      ],
    };
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'newsq',
      docString: options.docString,
      opsetImport: [{ domain: '', version: options.opset }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function toAttribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INT, i: value };
}
