import type { StoredPostings } from './lexical/lexical-index.js';

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

/** Packs unsigned integers as varints (seven bits a byte, the high bit saying more follow). */
export function packVarints(values: ArrayLike<number>): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 5);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    let value = values[i];
    while (value >= 0x80) {
      bytes[at++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    bytes[at++] = value;
  }
  return bytes.subarray(0, at);
}

/** Unpacks what {@link packVarints} packed. */
export function unpackVarints(buffer: Uint8Array): number[] {
  const values: number[] = [];
  let value = 0;
  let scale = 1;
  for (const byte of buffer) {
    value += (byte & 0x7f) * scale;
    if (byte & 0x80) scale *= 128;
    else {
      values.push(value);
      value = 0;
      scale = 1;
    }
  }
  return values;
}

/** A passage's terms as stored with it: each term's id and its counts in text and title. */
export type TermRow = [termId: number, inText: number, inTitle: number];

/** Packs term rows as varints, three per term. */
export function packTerms(rows: TermRow[]): Buffer {
  const values = new Array<number>(rows.length * 3);
  rows.forEach((row, i) => ((values[3 * i] = row[0]), (values[3 * i + 1] = row[1]), (values[3 * i + 2] = row[2])));
  return packVarints(values);
}

/** Unpacks what {@link packTerms} packed. */
export function unpackTerms(buffer: Uint8Array): TermRow[] {
  const values = unpackVarints(buffer);
  const rows: TermRow[] = [];
  for (let i = 0; i + 2 < values.length; i += 3) rows.push([values[i], values[i + 1], values[i + 2]]);
  return rows;
}

/**
 * A commit's postings by term id: for each term, the passages holding it as flat triples
 * (passage id, count in text, count in title), passage ids ascending as they were inserted.
 */
export type PostingsBatch = Map<number, number[]>;

/** Adds a passage's counts of one term to a batch (passages are added in ascending id order). */
export function addPosting(batch: PostingsBatch, termId: number, passageId: number, inText: number, inTitle: number): void {
  const list = batch.get(termId);
  if (list) list.push(passageId, inText, inTitle);
  else batch.set(termId, [passageId, inText, inTitle]);
}

/** One term's postings (triples, passage ids ascending) as varints: each id as the step from the one before, then the counts. */
export function encodeSegment(triples: number[]): Buffer {
  const values = triples.slice();
  for (let i = values.length - 3; i > 0; i -= 3) values[i] -= values[i - 3];
  return packVarints(values);
}

/** Appends what {@link encodeSegment} packed to `into` (segments are read in order: ids only grow). */
export function decodeSegmentInto(data: Uint8Array, into: StoredPostings): void {
  const values = unpackVarints(data);
  const { ids, inText, inTitle } = into as { ids: number[]; inText: number[]; inTitle: number[] };
  let id = 0;
  for (let i = 0; i + 2 < values.length; i += 3) {
    id += values[i];
    ids.push(id);
    inText.push(values[i + 1]);
    inTitle.push(values[i + 2]);
  }
}
