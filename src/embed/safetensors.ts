import { readFileSync } from 'node:fs';
import { NewsqError } from '../errors.js';

/** One tensor read from a safetensors file, widened to float32. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads every floating-point tensor of a safetensors file, widening F16 to F32. Integer tensors
 * (BERT checkpoints carry a `position_ids` buffer) are not weights and are left out.
 */
export function readSafetensors(path: string): Map<string, Tensor> {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, HeaderEntry | unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as HeaderEntry;
    const bytes = file.subarray(dataStart + begin, dataStart + end);
    if (dtype === 'F16') tensors.set(name, { shape, data: widenHalfFloats(bytes) });
    else if (dtype === 'F32') tensors.set(name, { shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) });
    else if (!dtype.startsWith('I') && !dtype.startsWith('U') && dtype !== 'BOOL') {
      throw new NewsqError('model_unavailable', `${path}: tensor ${name} has unsupported dtype ${dtype}`);
    }
  }
  return tensors;
}

/** Converts IEEE 754 half-precision values (little-endian bytes) to float32. */
export function widenHalfFloats(bytes: Uint8Array): Float32Array {
  const count = bytes.byteLength / 2;
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  return out;
}

function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
