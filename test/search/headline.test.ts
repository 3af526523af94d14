import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';

const article = (id: string, title: string, text: string) => ({ id, title, text, url: null, source: null, published: null, path: null });

describe('a question that is a headline', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine(resolveConfig({}, { store: { kind: 'memory' } }), { writable: true, embedder: createFakeEmbedder() });
    await engine.write([
      article('apoptosis', 'At the gates of death.', 'Apoptosis through the mitochondrial pathway begins when the outer membrane is permeabilized.'),
      article('gates-1', 'City gates reopen', 'The gates of the old city reopened. Gates, gates and more gates; death threats at the gates were withdrawn.'),
      article('gates-2', 'Death toll rises at the gates', 'Death at the gates: the death toll at the city gates rose again on Friday.'),
      article('gates-3', 'Gates of death', 'A film about the gates of death and the gates of life.'),
      article('apoptosis-copy', 'At the Gates of Death', 'A second outlet ran the review on cell death under the same headline.'),
    ]);
  });
  afterAll(() => engine.close());

  it('finds the articles so titled first, case and punctuation aside', async () => {
    for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
      const { results } = await engine.search({ query: 'at the Gates of DEATH', k: 5, mode });
      expect(results.slice(0, 2).map((result) => result.article.id).sort()).toEqual(['apoptosis', 'apoptosis-copy']);
      expect(results[0].score).toBe(results[1].score);
      expect(results[1].score).toBeGreaterThanOrEqual(results[2].score);
      // Each article once at the top: its other passages, if any, keep their places.
      expect(new Set(results.map((result) => result.article.id)).size).toBe(results.length);
    }
  });

  it('finds an article so titled though none of its passages is among the question’s candidates, and keeps to a filter', async () => {
    // Many articles use the title's one word more than the article titled with it.
    const many = Array.from({ length: 120 }, (_, n) => article(`summary-${n}`, `Report ${n}`, `Summary ${n}: a summary of the summary of item ${n}, summary upon summary.`));
    await engine.write([...many, { ...article('summary', 'Summary', 'Cell division proceeds in four phases.'), source: 'Cell Journal' }]);
    for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
      const { results } = await engine.search({ query: 'Summary', k: 5, mode });
      expect(results[0].article.id).toBe('summary');
    }
    const elsewhere = await engine.search({ query: 'Summary', k: 5, mode: 'lexical', filter: { source: 'Other Outlet' } });
    expect(elsewhere.results.map((result) => result.article.id)).not.toContain('summary');
  });

  it('leaves a question that is only part of a headline, or its words in another order, to the ranking', async () => {
    const part = await engine.search({ query: 'the gates of death', k: 5, mode: 'lexical' });
    expect(part.results[0].article.id).not.toBe('apoptosis');
    // One article's headline exactly: it comes first, though others use its words more.
    const exact = await engine.search({ query: 'Gates of death', k: 5, mode: 'lexical' });
    expect(exact.results[0].article.id).toBe('gates-3');
    const reordered = await engine.search({ query: 'death at the gates', k: 5, mode: 'lexical' });
    expect(reordered.results[0].article.id).not.toBe('apoptosis');
  });
});
