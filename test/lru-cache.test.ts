import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/lru-cache.js';

describe('LruCache', () => {
  it('drops the least recently used entry past its capacity; a read counts as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('bounds the total weight, keeps an entry heavier than the capacity alone, and frees weight on replace', () => {
    const cache = new LruCache<string, number[]>(5, (value) => value.length);
    cache.set('a', [1, 2]);
    cache.set('b', [1, 2, 3]);
    cache.set('a', [1]); // replaces: weight 4
    cache.set('c', [1]); // weight 5: nothing dropped
    expect(cache.size).toBe(3);
    cache.set('d', [1, 2, 3, 4, 5, 6]);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, undefined]);
    expect(cache.get('d')).toHaveLength(6);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
