import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Embedder } from './embed/embedder.js';
import { articleIdProblem, type ArticleInput } from './ingest/article.js';
import type { Skipped } from './ingest/parse.js';
import { hashInput, prepareArticle, type PreparedArticle } from './ingest/prepare.js';
import { passageTerms } from './ingest/analyze.js';
import type { WindowOptions } from './ingest/split.js';
import type { ArticleVersion, ArticleWrite, IndexWriter, JobProgress, QueuedArticle, WorkQueue } from './store/store.js';

/** The articles read from one folder or file the user named. */
export interface SyncSource {
  /**
   * The folder or file as named (resolved); a later sync of the same origin mirrors it. Null for
   * articles written through the API: they are added or replaced, never removed by a sync.
   */
  origin: string | null;
  articles: ArticleInput[];
  skipped: Skipped[];
  /**
   * More of its articles, read as the sync consumes them, a batch at a time (a web archive is
   * streamed so that it is never held whole); `skipped` is complete once they are all read.
   */
  more?: AsyncIterable<ArticleInput[]>;
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
// Articles queued at a time in a shared sync.
const QUEUE_PAGE = 100;
// How often a shared sync with nothing to claim looks again while other workers finish its job.
const WAIT_FOR_OTHERS_MS = 500;

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
  const pending: PendingInput[] = [];
  let streamed = 0;

  /** The article to embed, or null when it is unchanged or skipped. */
  const sort = (source: SyncSource, input: ArticleInput): PendingInput | null => {
    if (seen.has(input.id)) {
      summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: `duplicate article id ${input.id}` });
      return null;
    }
    const problem = articleIdProblem(input.id);
    if (problem) {
      summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: `the id ${JSON.stringify(input.id)} ${problem}` });
      return null;
    }
    seen.add(input.id);
    const hash = hashInput(input);
    if (stored.get(input.id)?.hash !== hash) return { origin: source.origin, input, hash };
    summary.unchanged++;
    return null;
  };
  for (const source of sources) {
    if (!source.more) summary.skipped.push(...source.skipped);
    for (const input of source.articles) {
      const item = sort(source, input);
      if (item) pending.push(item);
    }
  }
  // Streamed articles are sorted a batch at a time, against the stored versions of that batch.
  async function* fromStreams(): AsyncGenerator<PendingInput> {
    for (const source of sources) {
      if (!source.more) continue;
      for await (const batch of source.more) {
        for (const [id, version] of await writer.articleVersions({ ids: batch.map((input) => input.id), origins: [] })) stored.set(id, version);
        for (const input of batch) {
          const item = sort(source, input);
          if (!item) continue;
          streamed++;
          yield item;
        }
      }
      summary.skipped.push(...source.skipped);
    }
  }

  const windows = { maxTokens: embedder.maxTokens, countTokens: (text: string) => embedder.countTokens(text) };
  const work: Work = { context, pending, streamed: fromStreams(), found: () => pending.length + streamed, summary, stored, windows, started, onProgress };
  // Articles from folders can wait in a queue other workers share; those written through the API are written here and now.
  if (writer.queue && origins.size > 0 && sources.every((source) => source.origin !== null)) await embedShared(work, writer.queue, origins, seen);
  else await embedHere(work);

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

/** An article a sync found new or changed, with where it came from and its input hash. */
type PendingInput = { origin: string | null; input: ArticleInput; hash: string };

/** What a sync found to embed, and what it has to tell. */
interface Work {
  context: SyncContext;
  /** What was read before the sync began, then what streamed sources yield as it goes. */
  pending: PendingInput[];
  streamed: AsyncIterable<PendingInput>;
  /** How many articles to embed it has found so far. */
  found: () => number;
  summary: SyncSummary;
  stored: Map<string, ArticleVersion>;
  windows: WindowOptions;
  started: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** Embeds and commits the pending articles in this process, a group at a time. */
async function embedHere({ context, pending, streamed, found, summary, stored, windows, started, onProgress }: Work): Promise<void> {
  const { writer, embedder } = context;
  let group: Pending[] = [];
  let groupPassages = 0;
  let done = 0;
  let prepared = 0;
  let preparedPassages = 0;
  let lastFlush = performance.now();
  const report = (passagesDone: number) =>
    onProgress?.({
      articlesDone: done + summary.unchanged,
      articlesTotal: found() + summary.unchanged,
      passagesDone,
      passagesEstimate: prepared > 0 ? Math.round((preparedPassages / prepared) * found()) : 0,
      elapsedMs: performance.now() - started,
    });
  const commitGroup = async () => {
    const before = summary.embedded;
    const writes = await embedWrites(embedder, group, (inGroup) => report(before + inGroup));
    await writer.writeArticles(writes);
    for (const { prepared } of group) {
      if (stored.has(prepared.article.id)) summary.updated++;
      else summary.added++;
    }
    summary.embedded += groupPassages;
    if (performance.now() - lastFlush > FLUSH_EVERY_MS) {
      await writer.flush();
      lastFlush = performance.now();
    }
    done += group.length;
    group = [];
    groupPassages = 0;
  };

  for await (const { origin, input, hash } of concat(pending, streamed)) {
    const article = prepareOrSkip(input, windows, summary);
    prepared++;
    if (!article) continue;
    preparedPassages += article.passages.length;
    group.push({ origin, hash, prepared: article });
    groupPassages += article.passages.length;
    if (groupPassages >= PASSAGES_PER_COMMIT) await commitGroup();
  }
  if (group.length > 0) await commitGroup();
  report(summary.embedded);
}

/**
 * Queues the pending articles where every worker syncing into the same store can take them, then
 * embeds batches of whatever waits (this sync's origins first) until this sync's whole job is
 * done, by whichever workers: a batch held by a worker that died is taken over once its claim
 * expires. Progress is the whole job's.
 */
async function embedShared({ context, pending, streamed, summary, stored, windows, onProgress }: Work, queue: WorkQueue, origins: Set<string>, seen: Set<string>): Promise<void> {
  const mine = [...origins];
  const enqueue = async (page: PendingInput[]) => {
    const waiting = await queue.waiting(page.map(({ input }) => input.id));
    const queued: QueuedArticle[] = [];
    for (const { origin, input, hash } of page) {
      if (waiting.get(input.id) === hash) continue;
      const prepared = prepareOrSkip(input, windows, summary);
      if (prepared) queued.push({ origin: origin!, hash, prepared });
    }
    await queue.enqueue(queued);
  };
  // A page at a time, so that other workers start on the first while this one prepares the rest.
  // Workers syncing the same folders take the pages in different random orders and leave out what
  // another has queued as it is: between them, they clean and split most articles once.
  for (const n of shuffled(Array.from({ length: Math.ceil(pending.length / QUEUE_PAGE) }, (_, n) => n))) await enqueue(pending.slice(n * QUEUE_PAGE, (n + 1) * QUEUE_PAGE));
  // Streamed articles are queued in the order they come.
  let page: PendingInput[] = [];
  for await (const item of streamed) {
    page.push(item);
    if (page.length < QUEUE_PAGE) continue;
    await enqueue(page);
    page = [];
  }
  if (page.length > 0) await enqueue(page);
  await queue.forget(mine, [...seen]);

  let job: JobProgress = await queue.progress(mine);
  const report = (inBatch: number) =>
    onProgress?.({
      articlesDone: job.articlesDone + summary.unchanged,
      articlesTotal: job.articles + summary.unchanged,
      passagesDone: job.passagesDone + inBatch,
      passagesEstimate: job.passages,
      elapsedMs: job.startedAt === null ? 0 : Date.now() - job.startedAt,
    });
  for (;;) {
    const claim = await queue.claim(mine);
    if (claim) {
      const writes = await claim.keep(() => embedWrites(context.embedder, claim.articles, report));
      const written = new Set(await claim.commit(writes));
      for (const { origin, prepared } of claim.articles) {
        if (!written.has(prepared.article.id)) continue;
        summary.embedded += prepared.passages.length;
        if (!origins.has(origin)) continue;
        if (stored.has(prepared.article.id)) summary.updated++;
        else summary.added++;
      }
    }
    const now = await queue.progress(mine);
    // Once every article of the job is done, its rows go: the job is over.
    if (now.articles === 0 || now.articlesDone >= now.articles) {
      job = { ...job, articlesDone: job.articles, passagesDone: job.passages };
      report(0);
      return;
    }
    job = now;
    report(0);
    // Nothing free, but articles of the job still held by other workers: wait for them, or for their claims to expire.
    if (!claim) await sleep(WAIT_FOR_OTHERS_MS);
  }
}

/** The items of an array, then those of an async iterable. */
async function* concat<T>(first: T[], then: AsyncIterable<T>): AsyncGenerator<T> {
  yield* first;
  yield* then;
}

/** The values in a random order (Fisher-Yates). */
function shuffled<T>(values: T[]): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

type Pending = { origin: string | null; hash: string; prepared: PreparedArticle };

/** Cleans and splits an article; one left with no passage is noted as skipped. */
function prepareOrSkip(input: ArticleInput, windows: WindowOptions, summary: SyncSummary): PreparedArticle | null {
  const article = prepareArticle(input, windows);
  if (article.passages.length > 0) return article;
  summary.skipped.push({ path: input.location ?? input.path ?? input.id, reason: 'no title, and no article text left after removing boilerplate' });
  return null;
}

/** Embeds the articles' passages (and their sentences) and returns them as writes. */
async function embedWrites(embedder: Embedder, articles: Pending[], onEmbedded: (passages: number) => void): Promise<ArticleWrite[]> {
  const drafts = articles.flatMap(({ prepared }) => prepared.passages);
  let embeddedSoFar = 0;
  const embedded = await embedder.embedPassages(
    drafts.map((draft) => draft.sentences.map(({ start, end }) => draft.text.slice(start, end))),
    (count) => onEmbedded((embeddedSoFar += count)),
  );
  let next = 0;
  return articles.map(({ origin, hash, prepared }) => ({
    article: prepared.article,
    hash,
    origin,
    passages: prepared.passages.map((draft) => {
      const { vector, segments } = embedded[next++];
      return { draft, vector, sentenceVectors: segments, terms: passageTerms(draft.text, prepared.article.title) };
    }),
  }));
}
