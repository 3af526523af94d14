import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/ingest/article.js';
import { sentenceSpans } from '../../src/ingest/split.js';
import type { ArticleWrite, Store } from '../../src/store/store.js';
import { dot } from '../../src/embed/embedder.js';
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
    return { draft: { paragraph: i, window: 0, text, sentences, sentenceTokens: [] }, vector: vectors[i], sentenceVectors };
  });
  return { article, hash: `hash-${id}-${paragraphs.length}`, origin, passages };
}

async function query(store: Store, text: string, k = 3): Promise<string[]> {
  const [vector] = await embedder.embed([text]);
  return store.passages(store.nearest(vector, k).map((hit) => hit.id)).map((passage) => passage.text);
}

/**
 * What every {@link Store} implementation must do. `open(dir)` opens (creating if needed) a
 * store for the fake embedder's 32-dimensional vectors in `dir`.
 */
export function storeContract(name: string, open: (dir: string) => Store): void {
  describe(`Store contract: ${name}`, () => {
    it('stores articles and finds their passages by vector, best first', async () => {
      const store = open(tempDir());
      store.writeArticles([
        await articleWrite('a', ['Egypt fears refugees crossing into Sinai.', 'Talks in Cairo continue.'], { source: 'The National', published: '2024-02-09' }),
        await articleWrite('b', ['Football results from the weekend.']),
      ]);
      expect(await query(store, 'Egypt Sinai refugees', 1)).toEqual(['Egypt fears refugees crossing into Sinai.']);
      const [hit] = store.nearest((await embedder.embed(['Egypt fears refugees crossing into Sinai.']))[0], 1);
      expect(hit.score).toBeCloseTo(1, 5);
      const [passage] = store.passages([hit.id]);
      expect(passage).toMatchObject({ paragraph: 0, window: 0, article: { id: 'a', title: 'Title a', source: 'The National', published: '2024-02-09', path: 'a.txt', url: null } });
      expect(store.stats()).toMatchObject({ articles: 2, passages: 3 });
      store.close();
    });

    it('replaces an article whole when it is written again', async () => {
      const store = open(tempDir());
      store.writeArticles([await articleWrite('a', ['Old first paragraph.', 'Old second paragraph.'])]);
      store.writeArticles([await articleWrite('a', ['New only paragraph.'])]);
      expect(store.stats()).toMatchObject({ articles: 1, passages: 1 });
      expect(store.getArticle('a')?.paragraphs).toEqual(['New only paragraph.']);
      expect(await query(store, 'Old paragraph', 5)).toEqual(['New only paragraph.']);
      store.close();
    });

    it('removes articles with their passages and vectors', async () => {
      const store = open(tempDir());
      store.writeArticles([await articleWrite('a', ['Alpha text.']), await articleWrite('b', ['Beta text.'])]);
      store.removeArticles(['a', 'missing']);
      expect(store.getArticle('a')).toBeNull();
      expect(store.articleVersions({ ids: ['a', 'b'], origins: [] })).toEqual(new Map([['b', { hash: 'hash-b-1', origin: '/corpus', path: 'b.txt' }]]));
      expect(await query(store, 'Alpha text', 5)).toEqual(['Beta text.']);
      store.close();
    });

    it('gives the versions of the articles asked for by id or by origin, and no others', async () => {
      const store = open(tempDir());
      store.writeArticles([
        await articleWrite('a', ['Alpha text.']),
        await articleWrite('b', ['Beta text.'], {}, '/other'),
        await articleWrite('c', ['Gamma text.'], {}, null),
        await articleWrite('d', ['Delta text.'], {}, '/other'),
      ]);
      const ids = (scope: { ids: string[]; origins: string[] }) => [...store.articleVersions(scope).keys()].sort();
      expect(ids({ ids: ['c', 'missing'], origins: [] })).toEqual(['c']);
      expect(ids({ ids: [], origins: ['/other'] })).toEqual(['b', 'd']);
      expect(ids({ ids: ['a', 'b'], origins: ['/other'] })).toEqual(['a', 'b', 'd']);
      expect(store.articleVersions({ ids: ['c'], origins: [] }).get('c')).toEqual({ hash: 'hash-c-1', origin: null, path: 'c.txt' });
      store.close();
    });

    it('clamps k to the passages there are and returns nothing from an empty store', async () => {
      const store = open(tempDir());
      expect(store.nearest((await embedder.embed(['anything']))[0], 10)).toEqual([]);
      store.writeArticles([await articleWrite('a', ['One.', 'Two.'])]);
      expect(store.nearest((await embedder.embed(['anything']))[0], 100)).toHaveLength(2);
      store.close();
    });

    it('prepares for searching, empty or not, and searches the same after', async () => {
      const dir = tempDir();
      const store = open(dir);
      store.prepare();
      store.writeArticles([await articleWrite('a', ['Egypt fears refugees crossing into Sinai.', 'Talks in Cairo continue.'])]);
      store.close();
      const reopened = open(dir);
      reopened.prepare();
      expect(reopened.passages(reopened.lexical('Sinai refugees', 5).map((hit) => hit.id)).map((p) => p.text)).toEqual(['Egypt fears refugees crossing into Sinai.']);
      expect(reopened.nearest((await embedder.embed(['Talks in Cairo continue.']))[0], 1)[0].score).toBeCloseTo(1, 5);
      reopened.close();
    });

    it('keeps everything across close and reopen', async () => {
      const dir = tempDir();
      const store = open(dir);
      store.writeArticles([await articleWrite('a', ['Persistent paragraph about Rafah.'])]);
      store.close();
      const reopened = open(dir);
      expect(reopened.getArticle('a')?.paragraphs).toEqual(['Persistent paragraph about Rafah.']);
      expect(await query(reopened, 'Rafah', 1)).toEqual(['Persistent paragraph about Rafah.']);
      reopened.close();
    });

    it('keeps each passage’s sentences and their vectors', async () => {
      const store = open(tempDir());
      store.writeArticles([await articleWrite('a', ['One sentence only.', 'First sentence here. Second sentence there.'])]);
      const ids = store.passages(store.nearest((await embedder.embed(['sentence']))[0], 2).map((h) => h.id));
      const sentences = store.sentences(ids.map((p) => p.id));
      const single = sentences.get(ids.find((p) => p.paragraph === 0)!.id)!;
      const double = sentences.get(ids.find((p) => p.paragraph === 1)!.id)!;
      expect(single).toEqual({ spans: [{ start: 0, end: 18 }], vectors: [] });
      expect(double.spans).toEqual([{ start: 0, end: 20 }, { start: 21, end: 43 }]);
      expect(double.vectors).toHaveLength(2);
      const [expected] = await embedder.embed(['First sentence here. Second sentence there.']);
      // Stored as int8: close to, not exactly, the vector written.
      expect(dot(double.vectors[0], expected)).toBeGreaterThan(0.99);
      store.close();
    });

    it('returns passages in the order asked and leaves out unknown ids', async () => {
      const store = open(tempDir());
      store.writeArticles([await articleWrite('a', ['First.', 'Second.'])]);
      const ids = store.nearest((await embedder.embed(['First.']))[0], 2).map((hit) => hit.id);
      const reversed = [...ids].reverse();
      expect(store.passages([...reversed, 999_999]).map((p) => p.id)).toEqual(reversed);
      store.close();
    });

    it('returns the stored vectors of passages by id, and none for unknown ids', async () => {
      const store = open(tempDir());
      store.writeArticles([await articleWrite('a', ['First.', 'Second.'])]);
      const [first] = await embedder.embed(['First.']);
      const ids = store.nearest(first, 2).map((hit) => hit.id);
      const vectors = store.vectors([...ids, 999_999]);
      expect([...vectors.keys()].sort()).toEqual([...ids].sort());
      expect(Array.from(vectors.get(ids[0])!)).toEqual(Array.from(store.passages([ids[0]])[0].vector));
      expect(dot(vectors.get(ids[0])!, first)).toBeCloseTo(1, 5);
      expect(store.vectors([]).size).toBe(0);
      store.close();
    });
  });
}
