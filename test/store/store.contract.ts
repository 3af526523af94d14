import { describe, expect, it } from 'vitest';
import { passageTerms, queryTerms } from '../../src/ingest/analyze.js';
import type { Article } from '../../src/ingest/article.js';
import { sentenceSpans } from '../../src/ingest/split.js';
import type { ArticleWrite, FeedState, IndexReader, Store } from '../../src/store/store.js';
import { dot } from '../../src/vector-math.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';
import { tempDir } from '../helpers/fixtures.js';

const embedder = createFakeEmbedder(32);

/** Builds a write for an article whose paragraphs are embedded with the fake embedder. */
export async function articleWrite(id: string, paragraphs: string[], extra: Partial<Article> = {}, origin: string | null = '/corpus'): Promise<ArticleWrite> {
  const vectors = await embedder.embed(paragraphs);
  const article: Article = { id, title: `Title ${id}`, source: null, published: null, path: `${id}.txt`, url: null, paragraphs, ...extra };
  const passages = paragraphs.map((text, i) => {
    const sentences = sentenceSpans(text);
    const sentenceVectors = sentences.length > 1 ? sentences.map(() => vectors[i]) : [];
    return { draft: { paragraph: i, window: 0, text, sentences }, vector: vectors[i], sentenceVectors, terms: passageTerms(text, article.title) };
  });
  return { article, hash: `hash-${id}-${paragraphs.length}`, origin, passages };
}

/** Writes with a writer of its own, closed after. */
export async function write(store: Store, ...writes: ArticleWrite[]): Promise<void> {
  const writer = await store.writer();
  await writer.writeArticles(writes);
  await writer.close();
}

/** Removes with a writer of its own, closed after. */
export async function remove(store: Store, ids: string[]): Promise<void> {
  const writer = await store.writer();
  await writer.removeArticles(ids);
  await writer.close();
}

/** The texts of the passages nearest to a text's vector. */
export async function nearestTexts(reader: IndexReader, text: string, k = 3): Promise<string[]> {
  const [vector] = await embedder.embed([text]);
  return (await reader.passages((await reader.nearest(vector, k)).map((hit) => hit.id))).map((passage) => passage.text);
}

/** The texts of the passages a question's words find, best first. */
export async function lexicalTexts(reader: IndexReader, question: string, k = 5): Promise<string[]> {
  return (await reader.passages((await reader.lexical(queryTerms(question), k)).map((hit) => hit.id))).map((passage) => passage.text);
}

/**
 * What every {@link Store} implementation must do. `open(dir)` opens (creating if needed) a
 * store for the fake embedder's 32-dimensional vectors in `dir`; `persistent` stores keep what
 * they hold across close and open.
 */
export function storeContract(name: string, open: (dir: string) => Store | Promise<Store>, { persistent }: { persistent: boolean }): void {
  describe(`Store contract: ${name}`, () => {
    it('stores articles and finds their passages by vector, best first', async () => {
      const store = await open(tempDir());
      await write(
        store,
        await articleWrite('a', ['Egypt fears refugees crossing into Sinai.', 'Talks in Cairo continue.'], { source: 'The National', published: '2024-02-09' }),
        await articleWrite('b', ['Football results from the weekend.']),
      );
      expect(await nearestTexts(store.reader, 'Egypt Sinai refugees', 1)).toEqual(['Egypt fears refugees crossing into Sinai.']);
      const [hit] = await store.reader.nearest((await embedder.embed(['Egypt fears refugees crossing into Sinai.']))[0], 1);
      expect(hit.score).toBeCloseTo(1, 5);
      const [passage] = await store.reader.passages([hit.id]);
      expect(passage).toMatchObject({ paragraph: 0, window: 0, article: { id: 'a', title: 'Title a', source: 'The National', published: '2024-02-09', path: 'a.txt', url: null } });
      expect(await store.reader.stats()).toMatchObject({ articles: 2, passages: 3 });
      await store.close();
    });

    it('finds passages by their words, stemmed, with their titles, best first', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['Egypt fears refugees crossing into Sinai.', 'Talks in Cairo continue.'], { title: 'Border worries' }), await articleWrite('b', ['Refugee camps in Jordan.']));
      expect(await lexicalTexts(store.reader, 'refugees Sinai')).toEqual(['Egypt fears refugees crossing into Sinai.', 'Refugee camps in Jordan.']);
      // Title words count for each of the article's passages; the shorter one scores higher.
      expect(await lexicalTexts(store.reader, 'border')).toEqual(['Talks in Cairo continue.', 'Egypt fears refugees crossing into Sinai.']);
      expect(await lexicalTexts(store.reader, 'xylophone')).toEqual([]);
      for (const hit of await store.reader.lexical(queryTerms('talks'), 5)) expect(hit.score).toBeGreaterThan(0);
      await store.close();
    });

    it('replaces an article whole when it is written again', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['Old first paragraph.', 'Old second paragraph.']));
      await write(store, await articleWrite('a', ['New only paragraph.']));
      expect(await store.reader.stats()).toMatchObject({ articles: 1, passages: 1 });
      expect((await store.reader.article('a'))?.paragraphs).toEqual(['New only paragraph.']);
      expect(await nearestTexts(store.reader, 'Old paragraph', 5)).toEqual(['New only paragraph.']);
      expect(await lexicalTexts(store.reader, 'old paragraph')).toEqual(['New only paragraph.']);
      await store.close();
    });

    it('removes articles with their passages, vectors and words', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['Alpha text.']), await articleWrite('b', ['Beta text.']));
      await remove(store, ['a', 'missing']);
      expect(await store.reader.article('a')).toBeNull();
      const writer = await store.writer();
      expect(await writer.articleVersions({ ids: ['a', 'b'], origins: [] })).toEqual(new Map([['b', { hash: 'hash-b-1', origin: '/corpus', path: 'b.txt' }]]));
      await writer.close();
      expect(await nearestTexts(store.reader, 'Alpha text', 5)).toEqual(['Beta text.']);
      expect(await lexicalTexts(store.reader, 'alpha')).toEqual([]);
      await store.close();
    });

    it('gives the versions of the articles asked for by id or by origin, and no others', async () => {
      const store = await open(tempDir());
      await write(
        store,
        await articleWrite('a', ['Alpha text.']),
        await articleWrite('b', ['Beta text.'], {}, '/other'),
        await articleWrite('c', ['Gamma text.'], {}, null),
        await articleWrite('d', ['Delta text.'], {}, '/other'),
      );
      const writer = await store.writer();
      const ids = async (scope: { ids: string[]; origins: string[] }) => [...(await writer.articleVersions(scope)).keys()].sort();
      expect(await ids({ ids: ['c', 'missing'], origins: [] })).toEqual(['c']);
      expect(await ids({ ids: [], origins: ['/other'] })).toEqual(['b', 'd']);
      expect(await ids({ ids: ['a', 'b'], origins: ['/other'] })).toEqual(['a', 'b', 'd']);
      expect((await writer.articleVersions({ ids: ['c'], origins: [] })).get('c')).toEqual({ hash: 'hash-c-1', origin: null, path: 'c.txt' });
      await writer.close();
      await store.close();
    });

    it('lets one writer in at a time', async () => {
      const store = await open(tempDir());
      const writer = await store.writer();
      await expect(store.writer()).rejects.toMatchObject({ code: 'index_busy' });
      await writer.close();
      await (await store.writer()).close();
      await store.close();
    });

    it('keeps each followed feed’s state, replaced whole, and across reopen when persistent', async () => {
      const dir = tempDir();
      const store = await open(dir);
      const url = 'http://127.0.0.1:9/feed.xml?page=1';
      expect(await store.reader.feedState(url)).toBeNull();
      const first: FeedState = { url, etag: '"v1"', lastModified: 'Fri, 01 Mar 2024 10:00:00 GMT', items: { 'talks-1': 'h1', 'talks-2': 'h2' }, checkedAt: 1_700_000_000_000, dueAt: 1_700_000_300_000, failures: 0, error: null };
      const writer = await store.writer();
      await writer.saveFeedState(first);
      await writer.saveFeedState({ ...first, url: 'other.xml', items: {} });
      expect(await store.reader.feedState(url)).toEqual(first);
      const second: FeedState = { ...first, etag: null, items: { 'talks-2': 'h2b' }, failures: 2, error: 'the server answered 503' };
      await writer.saveFeedState(second);
      await writer.close();
      expect(await store.reader.feedState(url)).toEqual(second);
      expect((await store.reader.feedState('other.xml'))?.items).toEqual({});
      await store.close();
      if (!persistent) return;
      const reopened = await open(dir);
      expect(await reopened.reader.feedState(url)).toEqual(second);
      await reopened.close();
    });

    it('clamps k to the passages there are and returns nothing from an empty store', async () => {
      const store = await open(tempDir());
      expect(await store.reader.nearest((await embedder.embed(['anything']))[0], 10)).toEqual([]);
      await write(store, await articleWrite('a', ['One.', 'Two.']));
      expect(await store.reader.nearest((await embedder.embed(['anything']))[0], 100)).toHaveLength(2);
      await store.close();
    });

    it('keeps to a filter of outlet and dates, in both searches', async () => {
      const store = await open(tempDir());
      await write(
        store,
        await articleWrite('a', ['Talks in Cairo.', 'More talks.'], { source: 'The National', published: '2024-02-01' }),
        await articleWrite('b', ['Talks in Doha.'], { source: 'Reuters', published: '2024-03-01' }),
      );
      const texts = async (hits: { id: number }[]) => (await store.reader.passages(hits.map((hit) => hit.id))).map((passage) => passage.text).sort();
      const [vector] = await embedder.embed(['Talks']);
      expect(await texts(await store.reader.lexical(queryTerms('talks'), 10, { source: 'reuters' }))).toEqual(['Talks in Doha.']);
      expect(await texts(await store.reader.nearest(vector, 10, { from: '2024-01-15', to: '2024-02-15' }))).toEqual(['More talks.', 'Talks in Cairo.']);
      // The same filter after a write sees the new passages.
      await write(store, await articleWrite('c', ['Talks in Amman.'], { source: 'Reuters', published: '2024-03-02' }));
      expect(await texts(await store.reader.lexical(queryTerms('talks'), 10, { source: 'reuters' }))).toEqual(['Talks in Amman.', 'Talks in Doha.']);
      expect(await texts(await store.reader.nearest(vector, 10, { source: 'reuters' }))).toEqual(['Talks in Amman.', 'Talks in Doha.']);
      await store.close();
    });

    it.skipIf(!persistent)('keeps everything across close and reopen, and searches the same after', async () => {
      const dir = tempDir();
      const store = await open(dir);
      await store.reader.refresh();
      await write(store, await articleWrite('a', ['Persistent paragraph about Rafah.', 'Talks in Cairo continue.']));
      await store.close();
      const reopened = await open(dir);
      await reopened.reader.refresh();
      expect((await reopened.reader.article('a'))?.paragraphs).toEqual(['Persistent paragraph about Rafah.', 'Talks in Cairo continue.']);
      expect(await nearestTexts(reopened.reader, 'Rafah', 1)).toEqual(['Persistent paragraph about Rafah.']);
      expect(await lexicalTexts(reopened.reader, 'Rafah')).toEqual(['Persistent paragraph about Rafah.']);
      expect((await reopened.reader.nearest((await embedder.embed(['Talks in Cairo continue.']))[0], 1))[0].score).toBeCloseTo(1, 5);
      await reopened.close();
    });

    it('keeps each passage’s sentences and their vectors', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['One sentence only.', 'First sentence here. Second sentence there.']));
      const ids = await store.reader.passages((await store.reader.nearest((await embedder.embed(['sentence']))[0], 2)).map((h) => h.id));
      const sentences = await store.reader.sentences(ids.map((p) => p.id));
      const single = sentences.get(ids.find((p) => p.paragraph === 0)!.id)!;
      const double = sentences.get(ids.find((p) => p.paragraph === 1)!.id)!;
      expect(single).toEqual({ spans: [{ start: 0, end: 18 }], vectors: [] });
      expect(double.spans).toEqual([{ start: 0, end: 20 }, { start: 21, end: 43 }]);
      expect(double.vectors).toHaveLength(2);
      const [expected] = await embedder.embed(['First sentence here. Second sentence there.']);
      // A store may keep them as int8: close to, if not exactly, the vector written.
      expect(dot(double.vectors[0], expected)).toBeGreaterThan(0.99);
      await store.close();
    });

    it('returns passages in the order asked and leaves out unknown ids', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['First.', 'Second.']));
      const ids = (await store.reader.nearest((await embedder.embed(['First.']))[0], 2)).map((hit) => hit.id);
      const reversed = [...ids].reverse();
      expect((await store.reader.passages([...reversed, 999_999])).map((p) => p.id)).toEqual(reversed);
      await store.close();
    });

    it('returns the stored vectors of passages by id, and none for unknown ids', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['First.', 'Second.']));
      const [first] = await embedder.embed(['First.']);
      const ids = (await store.reader.nearest(first, 2)).map((hit) => hit.id);
      const vectors = await store.reader.vectors([...ids, 999_999]);
      expect([...vectors.keys()].sort()).toEqual([...ids].sort());
      expect(Array.from(vectors.get(ids[0])!)).toEqual(Array.from((await store.reader.passages([ids[0]]))[0].vector));
      expect(dot(vectors.get(ids[0])!, first)).toBeCloseTo(1, 5);
      expect((await store.reader.vectors([])).size).toBe(0);
      // Once the article is removed, its passages have no vectors (not from the graph either).
      await remove(store, ['a']);
      await store.reader.nearest(first, 2);
      expect((await store.reader.vectors(ids)).size).toBe(0);
      await store.close();
    });

    it('gives the articles of passages by id, from a passage read or not, and none for unknown or removed ones', async () => {
      const store = await open(tempDir());
      await write(store, await articleWrite('a', ['First.', 'Second.'], { source: 'Reuters', published: '2024-02-22' }), await articleWrite('b', ['Third.']));
      const [first] = await embedder.embed(['First.']);
      const ids = (await store.reader.nearest(first, 3)).map((hit) => hit.id);
      // One passage read whole first: its article may come from what the reader holds.
      const [read] = await store.reader.passages([ids[0]]);
      const articles = await store.reader.passageArticles([...ids, 999_999]);
      expect([...articles.keys()].sort()).toEqual([...ids].sort());
      expect(articles.get(ids[0])).toEqual(read.article);
      expect([...articles.values()].map((article) => article.id).sort()).toEqual(['a', 'a', 'b']);
      expect([...articles.values()].find((article) => article.id === 'a')).toEqual({ id: 'a', title: 'Title a', source: 'Reuters', published: '2024-02-22', path: 'a.txt', url: null });
      await remove(store, ['a']);
      await store.reader.nearest(first, 3);
      expect([...(await store.reader.passageArticles(ids)).values()].map((article) => article.id)).toEqual(['b']);
      await store.close();
    });
  });
}
