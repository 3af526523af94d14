import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeText, FETCH_LIMITS, FetchError, fetchFullPages, fetchUrl, hostPacer, isFeedText, isUrl, type FetchLimits, type Pacer } from './fetch-sources.js';
import type { ArticleInput } from './ingest/article.js';
import { parseFeed } from './ingest/feed.js';
import type { Skipped } from './ingest/parse.js';
import { hashInput } from './ingest/prepare.js';
import type { FeedState } from './store/store.js';
import type { SyncSummary } from './sync.js';

/** What following needs of an index: each feed's state, and a write of items with the state after it. */
export interface FeedIndex {
  feedState(url: string): Promise<FeedState | null>;
  writeFeed(state: FeedState, items: ArticleInput[]): Promise<SyncSummary>;
}

export interface FollowOptions {
  /** How often each feed is asked for (ms). */
  everyMs: number;
  /** For items whose text is only a summary, fetch their pages (as `index --fetch-pages`). */
  fetchPages?: boolean;
  limits?: FetchLimits;
  /** Hears how each poll went. */
  onPoll?: (report: PollReport) => void;
  /** Abandons a poll's request (the follower stopping): nothing is recorded for it. */
  stop?: AbortSignal;
}

/** How one poll of one feed went. */
export interface PollReport {
  feed: string;
  /** `not-modified`: the server (or the file) says nothing changed; `read`: the feed was read whole. */
  outcome: 'not-modified' | 'read' | 'failed';
  /** Items the feed holds, and of those new or changed since the last read (what was indexed). */
  items: number;
  changed: number;
  /** The write's summary, when something was written. */
  summary: SyncSummary | null;
  /** Items and pages reported and skipped. */
  skipped: Skipped[];
  error: string | null;
  /** When the feed is due again (ms since the epoch). */
  dueAt: number;
}

/** Feeds being followed; `stop` ends the polling, waiting for polls in flight. */
export interface Follower {
  stop(): Promise<void>;
}

// The longest a failing feed waits between tries (unless its interval is longer, or the server asks for longer).
const MAX_BACKOFF_MS = 60 * 60_000;
// The longest a Retry-After is heeded: a server asking for more is asked again after a day.
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

/**
 * How long a feed waits after `failures` failures in a row: its interval at the first, doubling
 * with each more, up to an hour (or its interval, if longer); at least what the server asked for.
 */
export function backoffMs(failures: number, everyMs: number, retryAfter: number | null): number {
  const doubled = Math.min(everyMs * 2 ** Math.max(0, failures - 1), Math.max(everyMs, MAX_BACKOFF_MS));
  return Math.max(doubled, Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS));
}

/**
 * Follows feeds: each is polled when due (its state, in the index, says when), with the validators
 * of its last answer, so an unchanged feed costs one 304; its new and changed items (by id and
 * input hash) are indexed and the rest left alone. A feed that fails is retried later with backoff
 * and the others go on. All feeds share one pacer: a host is asked at most once per
 * `hostIntervalMs`, and a slow one holds up only its own feeds.
 */
export function followFeeds(index: FeedIndex, feeds: string[], options: FollowOptions): Follower {
  const limits = options.limits ?? FETCH_LIMITS;
  const pacer = hostPacer(limits.hostIntervalMs);
  const stopping = new AbortController();
  // Writes one at a time, in the order polls finish: a writing engine holds a single writer.
  let writing: Promise<unknown> = Promise.resolve();
  const inTurn: FeedIndex = {
    feedState: (url) => index.feedState(url),
    writeFeed(state, items) {
      const run = writing.then(() => index.writeFeed(state, items));
      writing = run.catch(() => {});
      return run;
    },
  };

  const follow = async (feed: string): Promise<void> => {
    // When this process last found the feed due: a state it could not save must not make it due at once.
    let dueHere = 0;
    while (!stopping.signal.aborted) {
      let state: FeedState | null;
      try {
        state = await inTurn.feedState(feed);
      } catch (error) {
        // The index cannot be read (its database is down): ask again after one interval.
        options.onPoll?.(failedRead(feed, error as Error, Date.now() + options.everyMs));
        await pause(options.everyMs, stopping.signal);
        continue;
      }
      // Another process following the same feed in the same index may have polled it meanwhile.
      const wait = Math.max(state?.dueAt ?? 0, dueHere) - Date.now();
      if (wait > 0) {
        await pause(wait, stopping.signal);
        continue;
      }
      const report = await pollFeed(inTurn, feed, state, { ...options, limits, stop: stopping.signal }, pacer);
      if (stopping.signal.aborted) break;
      dueHere = report.dueAt;
      options.onPoll?.(report);
    }
  };
  // A feed file is known by its absolute path: its state is found again from any working folder.
  const running = Promise.all([...new Set(feeds.map((feed) => (isUrl(feed) ? feed : resolve(feed))))].map(follow));
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/**
 * Polls one feed once: asks for it with the validators `state` holds, indexes its new and changed
 * items, and records its new state; a failure is recorded with the time of the next try.
 */
export async function pollFeed(index: FeedIndex, feed: string, state: FeedState | null, options: FollowOptions, pacer: Pacer = hostPacer(0)): Promise<PollReport> {
  const started = Date.now();
  const limits = options.limits ?? FETCH_LIMITS;
  const before: FeedState = state ?? { url: feed, etag: null, lastModified: null, items: {}, checkedAt: 0, dueAt: 0, failures: 0, error: null };
  const report = { feed, items: 0, changed: 0, summary: null, skipped: [] as Skipped[], error: null };
  try {
    const answer = await readFeed(feed, before, limits, pacer, options.stop);
    const fine = { checkedAt: started, dueAt: started + options.everyMs, failures: 0, error: null };
    if (answer.notModified) {
      await index.writeFeed({ ...before, ...fine }, []);
      return { ...report, outcome: 'not-modified', items: Object.keys(before.items).length, dueAt: fine.dueAt };
    }
    if (!isFeedText(answer.contentType, answer.text)) throw new FetchError('not an RSS or Atom feed');
    const parsed = parseFeed(answer.text, feed);
    const broken = parsed.skipped.find((skipped) => skipped.path === feed);
    if (broken) throw new FetchError(broken.reason);
    const items = Object.fromEntries(parsed.articles.map((item) => [item.id, hashInput(item)]));
    const changed = parsed.articles.filter((item) => before.items[item.id] !== items[item.id]);
    const skipped = [...parsed.skipped];
    if (options.fetchPages) {
      const unfetched = await fetchFullPages(changed, limits, pacer);
      // An item whose page could not be fetched is indexed with its summary, and tried again next time.
      for (const { path } of unfetched) for (const item of changed) if (item.url === path) delete items[item.id];
      skipped.push(...unfetched);
    }
    const summary = await index.writeFeed({ url: feed, etag: answer.etag, lastModified: answer.lastModified, items, ...fine }, changed);
    skipped.push(...summary.skipped);
    return { ...report, outcome: 'read', items: parsed.articles.length, changed: changed.length, summary, skipped, dueAt: fine.dueAt };
  } catch (error) {
    if (options.stop?.aborted) return { ...report, outcome: 'failed', error: 'stopped', dueAt: before.dueAt };
    const failures = before.failures + 1;
    // Counted from the failure: Retry-After is from the answer that carried it.
    const dueAt = Date.now() + backoffMs(failures, options.everyMs, error instanceof FetchError ? error.retryAfterMs : null);
    const message = (error as Error).message;
    // Recorded so that a restart keeps the backoff; an index that cannot take it (busy, down) is told next time.
    await index.writeFeed({ ...before, checkedAt: started, dueAt, failures, error: message }, []).catch(() => {});
    return { ...report, outcome: 'failed', error: message, dueAt };
  }
}

/** A feed's text, or that it has not changed since `state` was recorded. */
async function readFeed(feed: string, state: FeedState, limits: FetchLimits, pacer: Pacer, stop?: AbortSignal): Promise<{ notModified: boolean; text: string; contentType: string; etag: string | null; lastModified: string | null }> {
  if (!isUrl(feed)) {
    // A file's validator is its modification time and size.
    let stats;
    try {
      stats = statSync(feed);
    } catch {
      throw new FetchError(`cannot read ${feed}: no such file`);
    }
    const etag = `file:${stats.mtimeMs}:${stats.size}`;
    if (etag === state.etag) return { notModified: true, text: '', contentType: '', etag, lastModified: null };
    if (stats.size > limits.maxBytes) throw new FetchError(`larger than ${limits.maxBytes / 1048576} MB`);
    return { notModified: false, text: decodeText(readFileSync(feed)), contentType: 'application/xml', etag, lastModified: null };
  }
  const conditional = { ...(state.etag && { 'if-none-match': state.etag }), ...(state.lastModified && { 'if-modified-since': state.lastModified }) };
  const fetched = await fetchUrl(feed, limits, pacer, conditional, stop);
  if (fetched.status === 304) return { notModified: true, text: '', contentType: fetched.contentType, etag: state.etag, lastModified: state.lastModified };
  return { notModified: false, text: decodeText(fetched.body), contentType: fetched.contentType, etag: fetched.etag, lastModified: fetched.lastModified };
}

function failedRead(feed: string, error: Error, dueAt: number): PollReport {
  return { feed, outcome: 'failed', items: 0, changed: 0, summary: null, skipped: [], error: `cannot read the feed's state: ${error.message}`, dueAt };
}

/** Waits `ms`, or until `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => {});
}
