import type { Embedder } from './embed/embedder.js';
import { articleIdProblem, type ArticleInput } from './ingest/article.js';
import type { Skipped } from './ingest/parse.js';
import { hashInput, prepareArticle, type PreparedArticle } from './ingest/prepare.js';
import { passageTerms } from './ingest/analyze.js';
import type { IndexWriter } from './store/store.js';

/** The articles read from one folder or file the user named. */
export interface SyncSource {
  /**
   * The folder or file as named (resolved); a later sync of the same origin mirrors it. Null for
   * articles written through the API: they are added or replaced, never removed by a sync.
   */
  origin: string | null;
  articles: ArticleInput[];
  skipped: Skipped[];
}

export interface SyncSummary {
  articles: number;
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  /** Passages embedded in this run. */
  embedded: number;
  skipped: Skipped[];
  seconds: number;
}

export interface SyncProgress {
  /** Articles embedded so far, unchanged ones included. */
  articlesDone: number;
  articlesTotal: number;
  passagesDone: number;
  /** Passages to embed in all, estimated from the articles prepared so far. */
  passagesEstimate: number;
  elapsedMs: number;
}

interface SyncContext {
  writer: IndexWriter;
  /** How many articles the index holds, for the summary. */
  articleCount: () => Promise<number>;
  embedder: Embedder;
  batchSize: number;
}

// Articles are embedded and committed in groups of about this many passages: large enough to
// keep the model's batches full, small enough that a kill loses little work.
const PASSAGES_PER_COMMIT = 1024;
// How often a long sync saves the vector graph, so that readers see its progress and a restart
// after a crash rebuilds little.
const FLUSH_EVERY_MS = 60_000;

/**
 * Makes the index mirror the given sources: embeds new and changed articles (by input hash),
 * leaves unchanged ones alone, and removes articles that came from the same origins but are no
 * longer there. Articles of other origins are not touched. Each group of articles is committed
 * in its own transaction, so a crash keeps every group committed before it.
 */
export async function syncArticles(context: SyncContext, sources: SyncSource[], onProgress?: (progress: SyncProgress) => void): Promise<SyncSummary> {
  const started = performance.now();
  const { writer, embedder } = context;
  const origins = new Set(sources.flatMap((source) => source.origin ?? []));
  const stored = await writer.articleVersions({ ids: sources.flatMap((source) => source.articles.map((article) => article.id)), origins: [...origins] });
  const summary: SyncSummary = { articles: 0, added: 0, updated: 0, removed: 0, unchanged: 0, embedded: 0, skipped: [], seconds: 0 };
  const seen = new Set<string>();
  const pending: { origin: string | null; input: ArticleInput; hash: string }[] = [];

  for (const source of sources) {
    summary.skipped.push(...source.skipped);
    for (const input of source.articles) {
      if (seen.has(input.id)) {
        summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: `duplicate article id ${input.id}` });
        continue;
      }
      const problem = articleIdProblem(input.id);
      if (problem) {
        summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: `the id ${JSON.stringify(input.id)} ${problem}` });
        continue;
      }
      seen.add(input.id);
      const hash = hashInput(input);
      if (stored.get(input.id)?.hash === hash) summary.unchanged++;
      else pending.push({ origin: source.origin, input, hash });
    }
  }

  const windows = { maxTokens: embedder.maxTokens, countTokens: (text: string) => embedder.countTokens(text) };
  let group: { origin: string | null; hash: string; prepared: PreparedArticle }[] = [];
  let groupPassages = 0;
  let done = 0;
  let prepared = 0;
  let preparedPassages = 0;
  let lastFlush = performance.now();
  const report = (passagesDone: number) =>
    onProgress?.({
      articlesDone: done + summary.unchanged,
      articlesTotal: pending.length + summary.unchanged,
      passagesDone,
      passagesEstimate: prepared > 0 ? Math.round((preparedPassages / prepared) * pending.length) : 0,
      elapsedMs: performance.now() - started,
    });
  const commitGroup = async () => {
    const drafts = group.flatMap(({ prepared }) => prepared.passages);
    const before = summary.embedded;
    let inGroup = 0;
    const embedded = await embedder.embedPassages(
      drafts.map((draft) => draft.sentences.map(({ start, end }) => draft.text.slice(start, end))),
      (count) => {
        inGroup += count;
        report(before + inGroup);
      },
    );
    let next = 0;
    await writer.writeArticles(
      group.map(({ origin, hash, prepared }) => ({
        article: prepared.article,
        hash,
        origin,
        passages: prepared.passages.map((draft) => {
          const { vector, segments } = embedded[next++];
          return { draft, vector, sentenceVectors: segments, terms: passageTerms(draft.text, prepared.article.title) };
        }),
      })),
    );
    for (const { prepared } of group) {
      if (stored.has(prepared.article.id)) summary.updated++;
      else summary.added++;
    }
    summary.embedded += drafts.length;
    if (performance.now() - lastFlush > FLUSH_EVERY_MS) {
      await writer.flush();
      lastFlush = performance.now();
    }
    done += group.length;
    group = [];
    groupPassages = 0;
  };

  for (const { origin, input, hash } of pending) {
    const article = prepareArticle(input, windows);
    prepared++;
    preparedPassages += article.passages.length;
    if (article.passages.length === 0) {
      summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: 'no title, and no article text left after removing boilerplate' });
      continue;
    }
    group.push({ origin, hash, prepared: article });
    groupPassages += article.passages.length;
    if (groupPassages >= PASSAGES_PER_COMMIT) await commitGroup();
  }
  if (group.length > 0) await commitGroup();
  report(summary.embedded);

  // A file that could not be read this time keeps what was indexed from it before.
  const unreadable = new Set(summary.skipped.map((skipped) => skipped.path.replace(/:\d+$|\[\d+\]$/, '')));
  const gone = [...stored]
    .filter(([id, { origin, path }]) => origin !== null && origins.has(origin) && !seen.has(id) && !(path && unreadable.has(path)))
    .map(([id]) => id);
  await writer.removeArticles(gone);
  summary.removed = gone.length;

  summary.articles = await context.articleCount();
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  return summary;
}
