import { describe, expect, it } from 'vitest';
import { poolStates } from '../../src/embed/transformers-embedder.js';

const WIDTH = 6;

/** Token states 0..1 from a fixed seed, so a failure repeats. */
function states(batch: number, length: number, seed = 7): Float32Array {
  let x = seed;
  return Float32Array.from({ length: batch * length * WIDTH }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  });
}

function maskOf(realLengths: number[], length: number): BigInt64Array {
  return BigInt64Array.from(realLengths.flatMap((real) => Array.from({ length }, (_, t) => (t < real ? 1n : 0n))));
}

/** The plain definition: mean of the tokens from..to-1 of row b, scaled to unit length. */
function meanOf(hidden: Float32Array, length: number, b: number, from: number, to: number): number[] {
  const sum = new Array(WIDTH).fill(0);
  for (let t = from; t < to; t++) for (let d = 0; d < WIDTH; d++) sum[d] += hidden[(b * length + t) * WIDTH + d] / (to - from);
  const norm = Math.hypot(...sum);
  return sum.map((v) => v / norm);
}

function expectClose(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, d) => expect(v).toBeCloseTo(expected[d], 5));
}

describe('poolStates', () => {
  it('pools each text over its real tokens and each segment over its own', () => {
    const length = 9;
    const hidden = states(2, length);
    // Row 0: [CLS] 3 + 2 tokens [SEP], padded; row 1: [CLS] 7 tokens [SEP], no segments asked.
    const [first, second] = poolStates(hidden, maskOf([7, 9], length), [2, length, WIDTH], [[3, 2], []]);
    expectClose(first.vector, meanOf(hidden, length, 0, 0, 7));
    expect(first.segments).toHaveLength(2);
    expectClose(first.segments[0], meanOf(hidden, length, 0, 1, 4));
    expectClose(first.segments[1], meanOf(hidden, length, 0, 4, 6));
    expectClose(second.vector, meanOf(hidden, length, 1, 0, 9));
    expect(second.segments).toEqual([]);
  });

  it('keeps a vector for segments cut off by truncation, without counting their tokens twice', () => {
    const length = 6;
    const hidden = states(1, length, 11);
    // [CLS] + 4 tokens kept of segments 3, 4, 2 + [SEP]: the second is cut short, the third lost.
    const [pooled] = poolStates(hidden, maskOf([6], length), [1, length, WIDTH], [[3, 4, 2]]);
    expectClose(pooled.vector, meanOf(hidden, length, 0, 0, 6));
    expectClose(pooled.segments[0], meanOf(hidden, length, 0, 1, 4));
    expectClose(pooled.segments[1], meanOf(hidden, length, 0, 4, 5));
    expectClose(pooled.segments[2], meanOf(hidden, length, 0, 4, 5));
  });
});
