/**
 * Packs unit vectors as int8 with one float32 scale each: a quarter of float32's size, plenty to
 * rank a passage's few sentences against a query.
 */
export function packInt8(vectors: Float32Array[]): Buffer {
  if (vectors.length === 0) return Buffer.alloc(0);
  const width = vectors[0].length;
  const buffer = Buffer.alloc(vectors.length * (4 + width));
  vectors.forEach((vector, i) => {
    const offset = i * (4 + width);
    let max = 0;
    for (const value of vector) max = Math.max(max, Math.abs(value));
    const scale = max > 0 ? max / 127 : 1;
    buffer.writeFloatLE(scale, offset);
    for (let d = 0; d < width; d++) buffer.writeInt8(Math.round(vector[d] / scale), offset + 4 + d);
  });
  return buffer;
}

/** Unpacks what {@link packInt8} packed. */
export function unpackInt8(buffer: Buffer, width: number): Float32Array[] {
  const vectors: Float32Array[] = [];
  for (let offset = 0; offset + 4 + width <= buffer.length; offset += 4 + width) {
    const scale = buffer.readFloatLE(offset);
    const vector = new Float32Array(width);
    for (let d = 0; d < width; d++) vector[d] = buffer.readInt8(offset + 4 + d) * scale;
    vectors.push(vector);
  }
  return vectors;
}
