import { NewsqError } from '../../errors.js';
import { dot } from '../../vector-math.js';
import type { ChangeLog, PassageChange } from '../change-log.js';
import { createLexicalIndex, type StoredPostings } from '../lexical/lexical-index.js';
import { newManifest, type IndexIdentity } from '../manifest.js';
import type { ArticleWrite, FeedState, IndexReader, IndexWriter, PassageFilter, PassageSentences, Store, StoredArticle, StoredPassage } from '../store.js';

interface MemoryArticle {
  article: StoredArticle;
  origin: string | null;
  passages: number[];
}

interface MemoryPassage {
  passage: StoredPassage;
  sentences: PassageSentences;
  length: number;
  terms: Map<string, [number, number]>;
  published: string | null;
  source: string | null;
}

/**
 * A store held in memory: nothing is kept when it closes. Vectors are searched exactly (every
 * passage scored), words with the same BM25 as every store. For tests of what sits above the
 * store, and for programs that index a few articles to search them at once.
 */
export function createMemoryStore(identity: IndexIdentity, titleWeight = 0.5): Store {
  const articles = new Map<string, MemoryArticle>();
  const passages = new Map<number, MemoryPassage>();
  const postings = new Map<string, Map<number, [number, number]>>();
  const feeds = new Map<string, FeedState>();
  const commits: { generation: number; changes: PassageChange[] }[] = [];
  let generation = 0;
  let nextId = 1;
  let writing = false;

  const log: ChangeLog = {
    generation: async () => generation,
    read: async (from) => ({ generation, changes: commits.filter((commit) => commit.generation > from).flatMap((commit) => commit.changes) }),
    count: async (from) => commits.filter((commit) => commit.generation > from).reduce((sum, commit) => sum + commit.changes.length, 0),
  };
  const toStored = (byId: Map<number, [number, number]>, ids: number[]): StoredPostings => {
    const sorted = ids.filter((id) => byId.has(id)).sort((a, b) => a - b);
    return { ids: sorted, inText: sorted.map((id) => byId.get(id)![0]), inTitle: sorted.map((id) => byId.get(id)![1]) };
  };
  const lexical = createLexicalIndex(
    {
      lengths: async () => ({ generation, rows: [...passages].map(([id, p]): [number, number] => [id, p.length]).sort((a, b) => a[0] - b[0]) }),
      lengthsOf: async (ids) => ids.filter((id) => passages.has(id)).sort((a, b) => a - b).map((id) => [id, passages.get(id)!.length]),
      postings: async (terms) => new Map(terms.map((term) => [term, toStored(postings.get(term) ?? new Map(), [...(postings.get(term)?.keys() ?? [])])])),
      async postingsOf(ids) {
        const terms = new Set(ids.flatMap((id) => [...(passages.get(id)?.terms.keys() ?? [])]));
        return new Map([...terms].map((term) => [term, toStored(postings.get(term)!, ids)]));
      },
    },
    log,
    titleWeight,
  );
  const matches = (passage: MemoryPassage, filter: PassageFilter | undefined): boolean =>
    (!filter?.source || passage.source?.toLowerCase() === filter.source.toLowerCase()) &&
    (!filter?.from || (passage.published !== null && passage.published >= filter.from)) &&
    (!filter?.to || (passage.published !== null && passage.published <= filter.to));

  const removeArticle = (id: string, changes: PassageChange[]) => {
    for (const passageId of articles.get(id)?.passages ?? []) {
      for (const term of passages.get(passageId)!.terms.keys()) postings.get(term)?.delete(passageId);
      passages.delete(passageId);
      changes.push({ id: passageId, added: false });
    }
    articles.delete(id);
  };
  const addArticle = ({ article, hash, origin, passages: written }: ArticleWrite, changes: PassageChange[]) => {
    const { paragraphs: _paragraphs, ...summary } = article;
    const ids = written.map(({ draft, vector, sentenceVectors, terms }) => {
      const id = nextId++;
      const byTerm = new Map(terms.terms.map(({ term, inText, inTitle }): [string, [number, number]] => [term, [inText, inTitle]]));
      for (const [term, counts] of byTerm) (postings.get(term) ?? postings.set(term, new Map()).get(term)!).set(id, counts);
      const passage: StoredPassage = { id, paragraph: draft.paragraph, window: draft.window, text: draft.text, vector, article: summary, articleParagraphs: article.paragraphs.length };
      passages.set(id, { passage, sentences: { spans: draft.sentences, vectors: sentenceVectors }, length: terms.length, terms: byTerm, published: article.published, source: article.source });
      changes.push({ id, added: true });
      return id;
    });
    articles.set(article.id, { article: { ...article, hash }, origin, passages: ids });
  };
  const commit = (change: (changes: PassageChange[]) => void) => {
    const changes: PassageChange[] = [];
    change(changes);
    commits.push({ generation: ++generation, changes });
  };

  const reader: IndexReader = {
    async nearest(vector, k, filter) {
      const hits = [...passages.values()].filter((p) => matches(p, filter)).map((p) => ({ id: p.passage.id, score: dot(vector, p.passage.vector) }));
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    async lexical(terms, k, filter) {
      const allowed = filter && (filter.source || filter.from || filter.to) ? new Set([...passages].filter(([, p]) => matches(p, filter)).map(([id]) => id)) : null;
      return lexical.search(terms, k, allowed);
    },
    passages: async (ids) => ids.flatMap((id) => passages.get(id)?.passage ?? []),
    passageArticles: async (ids) => new Map(ids.flatMap((id) => (passages.has(id) ? [[id, passages.get(id)!.passage.article] as const] : []))),
    vectors: async (ids) => new Map(ids.flatMap((id) => (passages.has(id) ? [[id, passages.get(id)!.passage.vector] as const] : []))),
    sentences: async (ids) => new Map(ids.flatMap((id) => (passages.has(id) ? [[id, passages.get(id)!.sentences] as const] : []))),
    article: async (id) => articles.get(id)?.article ?? null,
    feedState: async (url) => structuredClone(feeds.get(url) ?? null),
    stats: async () => ({ articles: articles.size, passages: passages.size, bytes: 0 }),
    refresh: () => lexical.prepare(),
  };

  return {
    manifest: newManifest(identity),
    reader,
    async writer(): Promise<IndexWriter> {
      if (writing) throw new NewsqError('index_busy', 'another writer is writing to this in-memory index');
      writing = true;
      return {
        async articleVersions({ ids, origins }) {
          const wanted = [...articles.values()].filter(({ article, origin }) => ids.includes(article.id) || (origin !== null && origins.includes(origin)));
          return new Map(wanted.map(({ article, origin }) => [article.id, { hash: article.hash, origin, path: article.path }]));
        },
        async writeArticles(writes) {
          if (writes.length > 0) commit((changes) => writes.forEach((write) => (removeArticle(write.article.id, changes), addArticle(write, changes))));
        },
        async removeArticles(ids) {
          if (ids.length > 0) commit((changes) => ids.forEach((id) => removeArticle(id, changes)));
        },
        saveFeedState: async (state) => void feeds.set(state.url, structuredClone(state)),
        flush: async () => {},
        close: async () => void (writing = false),
      };
    },
    close: async () => {},
  };
}
