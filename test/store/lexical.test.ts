import { describe, expect, it } from 'vitest';
import { passageTerms, queryTerms } from '../../src/ingest/analyze.js';
import { FORMAT_VERSION } from '../../src/store/manifest.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/fixtures.js';
import { articleWrite, remove, write } from './store.contract.js';

const identity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };

/** A passage as the reference scores it: its text and its article's title. */
interface Doc {
  text: string;
  title: string;
}

/**
 * BM25 as its textbook formula says, over every passage at once: the reference the stores'
 * incremental, cached scoring must equal. k1 1.2, b 0.75, IDF floored just above 0.
 */
function referenceScores(docs: Doc[], question: string, titleWeight: number): Map<string, number> {
  const analyzed = docs.map((doc) => ({ doc, ...passageTerms(doc.text, doc.title) }));
  const average = analyzed.reduce((sum, { length }) => sum + length, 0) / analyzed.length;
  const scores = new Map<string, number>();
  for (const { term, count } of queryTerms(question)) {
    const holding = analyzed.filter(({ terms }) => terms.some((t) => t.term === term));
    const idf = Math.max(Math.log((analyzed.length - holding.length + 0.5) / (holding.length + 0.5)), 1e-6);
    for (const { doc, terms, length } of holding) {
      const found = terms.find((t) => t.term === term)!;
      const tf = found.inText + titleWeight * found.inTitle;
      const score = (count * idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
      scores.set(doc.text, (scores.get(doc.text) ?? 0) + score);
    }
  }
  return scores;
}

const paragraphs = [
  'Egypt fears that Palestinians will be forced to flee into Sinai if the offensive goes ahead.',
  'Talks on a ceasefire resumed in Cairo, and talks about hostages stalled.',
  'Hostages were discussed at the talks; the offensive on Rafah was not.',
  'The café in Rafah served naïve visitors; Egypt’s officials opposed the plan.',
  'Running battles continued while the runners ran.',
  'Les négociations au Caire continuent ; محادثات في غزة.',
  ...Array.from({ length: 40 }, (_, i) => `Talks continued on day ${i} in the capital, officials said.`),
];

function lexicalSuite(name: string, open: (titleWeight: number) => Store): void {
  describe(`lexical search: ${name}`, () => {
    /** Checks every passage the store scores for a question against the reference, best first. */
    const expectReference = async (store: Store, docs: Doc[], question: string, titleWeight: number) => {
      const hits = await store.reader.lexical(queryTerms(question), 1000);
      const texts = (await store.reader.passages(hits.map((hit) => hit.id))).map((passage) => passage.text);
      const reference = referenceScores(docs, question, titleWeight);
      expect([...texts].sort(), question).toEqual([...reference.keys()].sort());
      const byText = new Map(texts.map((text, i) => [text, hits[i].score]));
      for (const [text, score] of reference) expect(byText.get(text), `${question}: ${text}`).toBeCloseTo(score, 9);
      expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    };
    const docsOf = (writes: { title: string; paragraphs: string[] }[]): Doc[] => writes.flatMap(({ title, paragraphs: texts }) => texts.map((text) => ({ text, title })));
    // Stems (opposed/oppose, running/run), diacritics (café, naïve), other scripts, title words.
    const questions = ['why does Egypt oppose a Rafah offensive', 'ceasefire talks hostages', 'cafe naive running', 'négociations غزة', 'running runners run battles', 'capital officials'];

    it.each([0.5, 0, 2])('scores every passage holding a question word as BM25 does, while it takes writes in (title weight %s)', async (titleWeight) => {
      const store = open(titleWeight);
      let articles = [
        { id: 'a', title: 'Title a', paragraphs: paragraphs.slice(0, 10) },
        { id: 'b', title: 'Talks on hostages', paragraphs: paragraphs.slice(10, 30) },
      ];
      const sync = async () => {
        for (const question of questions) await expectReference(store, docsOf(articles), question, titleWeight);
      };
      await write(store, ...(await Promise.all(articles.map(({ id, title, paragraphs: texts }) => articleWrite(id, texts, { title })))));
      await sync(); // every word's postings now held in memory
      // New passages with some of the words (in text or title), none with others.
      const c = { id: 'c', title: 'Egypt and the ceasefire', paragraphs: ['A ceasefire in Rafah was agreed.', 'Nothing of note.'] };
      await write(store, await articleWrite(c.id, c.paragraphs, { title: c.title }));
      articles = [...articles, c];
      await sync();
      // Removed passages held words whose postings are in memory.
      await remove(store, ['a']);
      articles = articles.filter(({ id }) => id !== 'a');
      await sync();
      // Both in one write: an article replaced.
      const b = { id: 'b', title: 'Talks', paragraphs: ['Officials in the capital spoke of talks.'] };
      await write(store, await articleWrite(b.id, b.paragraphs, { title: b.title }));
      articles = articles.map((article) => (article.id === 'b' ? b : article));
      await sync();
      await remove(store, ['b', 'c']);
      expect(await store.reader.lexical(queryTerms('ceasefire talks hostages capital'), 1000)).toEqual([]);
      // The k best, and nothing for what is no word.
      await write(store, await articleWrite('d', paragraphs, { title: 'Day by day' }));
      const all = await store.reader.lexical(queryTerms('talks'), 1000);
      expect(await store.reader.lexical(queryTerms('talks'), 5)).toEqual(all.slice(0, 5));
      expect(await store.reader.lexical(queryTerms('— ?! "*"'), 10)).toEqual([]);
      await store.close();
    });
  });
}

lexicalSuite('SQLite', (titleWeight) => openSqliteStore({ dir: tempDir(), identity, hnsw: { m: 16, efConstruction: 100, efSearch: 50 }, owner: true, titleWeight })!);
lexicalSuite('in memory', (titleWeight) => createMemoryStore(identity, titleWeight));
