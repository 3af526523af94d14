import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorIndex } from '../../src/store/vector/vector-index.js';
import { tempDir } from '../helpers/fixtures.js';

const DIMENSIONS = 16;
const settings = { m: 16, efConstruction: 100, efSearch: 50 };

/** A unit vector of its own for each id: deterministic, and nearest to itself. */
function unitVector(id: number): Float32Array {
  const vector = Float32Array.from({ length: DIMENSIONS }, (_, i) => Math.sin(id * 12.9898 + i * 78.233) * 43758.5453 % 1);
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}

const fill = (index: VectorIndex, ids: number[]) => ids.forEach((id) => index.add(id, unitVector(id)));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const nearestId = (index: VectorIndex, id: number) => index.search(unitVector(id), 1)[0]?.id;

describe('HNSW vector index under updates', () => {
  it('puts added vectors in the place of removed ones: churn does not grow the graph', () => {
    const index = VectorIndex.create(DIMENSIONS, settings, 64);
    fill(index, range(0, 200));
    range(0, 100).forEach((id) => index.remove(id));
    expect(index.elements).toBe(200);
    expect(index.deletedShare).toBe(0.5);

    fill(index, range(1000, 100));
    expect(index.elements).toBe(200);
    expect(index.size).toBe(200);
    expect(index.deletedShare).toBe(0);
    for (const id of [...range(1000, 100), ...range(100, 100)]) expect(nearestId(index, id)).toBe(id);
    const everything = new Set(index.search(unitVector(0), 200).map((hit) => hit.id));
    expect(range(0, 100).filter((id) => everything.has(id))).toEqual([]);
  });

  it('grows past its capacity once no removed vector is left to replace', () => {
    const index = VectorIndex.create(DIMENSIONS, settings, 16);
    fill(index, range(0, 20));
    index.remove(3);
    fill(index, range(100, 5));
    expect(index.elements).toBe(24);
    expect(index.size).toBe(24);
    expect(range(100, 5).map((id) => nearestId(index, id))).toEqual(range(100, 5));
  });

  it('replaces removed vectors after a save and a load', async () => {
    const dir = tempDir();
    const index = VectorIndex.create(DIMENSIONS, settings, 64);
    fill(index, range(0, 50));
    range(0, 10).forEach((id) => index.remove(id));
    await index.save(join(dir, 'graph.hnsw'));

    for (const loaded of [await VectorIndex.load(join(dir, 'graph.hnsw'), DIMENSIONS, settings, 40)]) {
      expect(loaded.elements).toBe(50);
      fill(loaded, range(500, 10));
      expect(loaded.elements).toBe(50);
      expect(loaded.size).toBe(50);
      expect(range(500, 10).map((id) => nearestId(loaded, id))).toEqual(range(500, 10));
    }
  });
});
