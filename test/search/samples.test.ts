import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { loadEmbedder } from '../../src/engine.js';
import { normalizeForComparison } from '../../src/search/collapse.js';
import { MATCH_RATIO } from '../../src/search/coverage.js';
import { useSampleEngine } from '../helpers/engine.js';

describe('answers on the sample articles, with the real model', () => {
  const sample = useSampleEngine(() => loadEmbedder(resolveConfig(process.env, {})));

  it('puts the answering passage first for factual questions', async () => {
    const corridor = await sample.engine.search({ query: 'What is the Philadelphi Corridor?' });
    expect(corridor.results[0].answer).toBe('The Philadelphi Corridor is a narrow 14-kilometre strip of land covering the entire border between Egypt and Gaza.');
    const netanyahu = await sample.engine.search({ query: 'What did Netanyahu call the Hamas counter-proposals?' });
    expect(netanyahu.results[0].text).toMatch(/Netanyahu firmly rejected the proposals, saying they were “delusional”/);
  });

  it('shows a paragraph shared by two copies of an article once, with the other copy in alsoIn', async () => {
    const response = await sample.engine.search({ query: 'What did Netanyahu call the Hamas counter-proposals?', k: 10 });
    const shared = response.results.find((result) => result.text.includes('“delusional”'))!;
    // The full copy has more paragraphs than the cut-short one, so it is the one shown.
    expect(shared.article.id).toBe('001_1494f7528b899f5e.txt');
    expect(shared.alsoIn.map((article) => article.id)).toEqual(['000_b7aac3bda914c3f8.txt']);
    expect(shared.alsoIn[0]).toMatchObject({ title: 'Hamas talks with Egypt and Qatar on Gaza truce come amid tensions on Egypt’s border', source: 'The National' });
  });

  it.each(['why does Egypt oppose a Rafah offensive', 'Hamas counter-proposals', 'Blinken Netanyahu hostages'])('grouped by article, lists each article once with its best passages (%s)', async (query) => {
    for (const mode of ['hybrid', 'dense', 'lexical'] as const) {
      const byPassage = await sample.engine.search({ query, k: 100, mode });
      const grouped = await sample.engine.search({ query, k: 4, mode, group: 'article' });
      expect(grouped.group).toBe('article');
      const ids = grouped.results.map((result) => result.article.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(4);
      // Articles rank as their best passages do, each carrying its passages best first.
      const listed = new Set(byPassage.results.map((result) => result.article.id));
      expect(ids[0]).toBe(byPassage.results[0].article.id);
      for (const id of ids) expect(listed).toContain(id);
      const scores = grouped.results.map((result) => result.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const result of grouped.results) {
        const passages = result.passages!;
        expect(passages.length).toBeGreaterThanOrEqual(1);
        expect(passages.length).toBeLessThanOrEqual(3);
        expect(passages[0]).toMatchObject({ score: result.score, text: result.text, paragraph: result.paragraph, answer: result.answer });
        const passageScores = passages.map((passage) => passage.score);
        expect(passageScores).toEqual([...passageScores].sort((a, b) => b - a));
        for (const passage of passages) expect(passage.text.slice(passage.answerStart, passage.answerEnd)).toBe(passage.answer);
      }
    }
  });

  it.each(['why does Egypt oppose a Rafah offensive', 'Hamas counter-proposals', 'Blinken Netanyahu hostages', 'Egypt Israel border tensions'])(
    'never lists the same passage twice and marks a real answer sentence (%s)',
    async (query) => {
      for (const mode of ['hybrid', 'dense', 'lexical'] as const) {
        const { results } = await sample.engine.search({ query, k: 20, mode });
        const texts = results.map((result) => normalizeForComparison(result.text));
        expect(new Set(texts).size).toBe(texts.length);
        for (const result of results) {
          expect(result.text.slice(result.answerStart, result.answerEnd)).toBe(result.answer);
          expect(result.answer.length).toBeGreaterThan(0);
        }
      }
    },
  );

  it('ranks a passage giving Egypt’s reasons in the top 5', async () => {
    const { results } = await sample.engine.search({ query: 'why does Egypt oppose a Rafah offensive' });
    expect(results.some((result) => /forced to flee across the border into its Sinai|“liquidate” the Palestinian cause|like Egypt .* fear that ground operations in Rafah/.test(result.text))).toBe(true);
  });

  it('filters by outlet and by date', async () => {
    const reuters = await sample.engine.search({ query: 'Egypt border security talks', k: 20, filter: { source: 'REUTERS' } });
    expect(reuters.results.length).toBeGreaterThan(0);
    expect(new Set(reuters.results.map((result) => result.article.id))).toEqual(new Set(['004_9185147787dbf855.txt']));
    const february = await sample.engine.search({ query: 'Egypt border security talks', k: 50, filter: { from: '2024-02-01', to: '2024-02-15' } });
    expect(new Set(february.results.map((result) => result.article.published))).toEqual(new Set(['2024-02-09']));
  });

  it.each(['Gaza truce talks in Cairo', 'why does Egypt oppose a Rafah offensive', 'Blinken'])(
    'counts the matching articles by date and outlet, and lists them newest first (%s)',
    async (query) => {
      // The matching set, worked out here from the engine's ranking: passages scoring at least
      // MATCH_RATIO of the best, and their articles.
      const ranked = await sample.engine.rank(query, 'hybrid');
      const floor = ranked[0].score * MATCH_RATIO;
      const matching = new Map(ranked.filter((r) => r.score >= floor).map((r) => [r.passage.article.id, r.passage.article]));
      const articles = [...matching.values()];

      const response = await sample.engine.search({ query, k: 100, group: 'article', sort: 'newest', timeline: 'day', outlets: true });
      const { coverage } = response;
      expect(coverage?.articles).toBe(matching.size);
      const timeline = coverage!.timeline!;
      expect(timeline.buckets.reduce((sum, b) => sum + b.count, 0) + timeline.undated).toBe(matching.size);
      expect(timeline.undated).toBe(articles.filter((a) => !a.published).length);
      for (const bucket of timeline.buckets) {
        expect(bucket.start).toBe(bucket.end);
        expect(bucket.count).toBe(articles.filter((a) => a.published === bucket.start).length);
      }
      const bySource = new Map<string, number>();
      for (const { source } of articles) if (source) bySource.set(source, (bySource.get(source) ?? 0) + 1);
      expect(new Map(coverage!.outlets!.map((o) => [o.source, o.count]))).toEqual(bySource);
      expect(coverage!.unattributed).toBe(articles.filter((a) => !a.source).length);

      // Newest first: every matching article once (as a result or as a copy's article), by date.
      const ids = response.results.map((r) => r.article.id);
      expect(new Set(ids).size).toBe(ids.length);
      const copies = response.results.flatMap((r) => r.passages!.flatMap((p) => p.alsoIn.map((a) => a.id)));
      expect(new Set([...ids, ...copies])).toEqual(new Set(matching.keys()));
      const dates = response.results.map((r) => r.article.published ?? '');
      expect(dates).toEqual([...dates].sort().reverse());

      // Counting changes nothing in the results themselves.
      for (const group of ['passage', 'article'] as const) {
        const plain = await sample.engine.search({ query, k: 3, group });
        const counted = await sample.engine.search({ query, k: 3, group, timeline: 'auto', outlets: true });
        expect(counted.results).toEqual(plain.results);
      }
    },
  );
});
