import { describe, expect, it } from 'vitest';
import { fuse, normalizer } from '../../src/search/fusion.js';

const candidates = [
  { id: 1, dense: 0.9, lexical: 0 },
  { id: 2, dense: 0.5, lexical: 10 },
  { id: 3, dense: 0.7, lexical: 5 },
];

describe('fusion', () => {
  it('min-max normalizes each signal and weighs them', () => {
    const fused = fuse(candidates, { method: 'score', denseWeight: 0.6, rrfK: 60 });
    expect(fused.get(1)).toBeCloseTo(0.6 * 1 + 0.4 * 0, 10);
    expect(fused.get(2)).toBeCloseTo(0.6 * 0 + 0.4 * 1, 10);
    expect(fused.get(3)).toBeCloseTo(0.6 * 0.5 + 0.4 * 0.5, 10);
  });

  it('sums reciprocal ranks, leaving passages with no matching word out of the lexical ranking', () => {
    const fused = fuse(candidates, { method: 'rrf', denseWeight: 0.5, rrfK: 10 });
    expect(fused.get(1)).toBeCloseTo(1 / 11, 10); // dense rank 1, no lexical rank
    expect(fused.get(2)).toBeCloseTo(1 / 13 + 1 / 11, 10); // dense rank 3, lexical rank 1
    expect(fused.get(3)).toBeCloseTo(1 / 12 + 1 / 12, 10);
  });

  it('maps equal values to 1 when they are evidence and to 0 when not, rather than dividing by zero', () => {
    expect(normalizer([2, 2, 2])(2)).toBe(1);
    expect(normalizer([0, 0])(0)).toBe(0);
    expect(normalizer([1, 3])(2)).toBe(0.5);
  });
});
