/** A weight matrix quantized to int8, one symmetric scale per output column. */
export interface QuantizedMatrix {
  values: Int8Array;
  scales: Float32Array;
}

/**
 * Quantizes a row-major `[inputs, outputs]` matrix to signed integers of `bits` bits (at most 8)
 * with one scale per output column and a zero point of 0 (symmetric), as ONNX Runtime's dynamic
 * quantizer does per channel.
 */
export function quantizePerColumn(matrix: Float32Array, inputs: number, outputs: number, bits = 8): QuantizedMatrix {
  const levels = 2 ** (bits - 1) - 1;
  const scales = new Float32Array(outputs);
  for (let row = 0; row < inputs; row++) {
    for (let col = 0; col < outputs; col++) {
      const magnitude = Math.abs(matrix[row * outputs + col]);
      if (magnitude > scales[col]) scales[col] = magnitude;
    }
  }
  for (let col = 0; col < outputs; col++) scales[col] = scales[col] > 0 ? scales[col] / levels : 1;
  const values = new Int8Array(matrix.length);
  for (let row = 0; row < inputs; row++) {
    for (let col = 0; col < outputs; col++) {
      const index = row * outputs + col;
      values[index] = Math.max(-levels, Math.min(levels, Math.round(matrix[index] / scales[col])));
    }
  }
  return { values, scales };
}

/** Transposes a row-major `[rows, cols]` matrix. */
export function transpose(matrix: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = matrix[r * cols + c];
  }
  return out;
}
