import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { sourcesOf } from './fetch-sources.js';
import { configSchema, durationMs, type Config, type ConfigInput } from './config.js';
import { createEngine, loadEmbedder, type Engine, type IndexStats } from './engine.js';
import { isNewsqError, NewsqError, validate } from './errors.js';
import { followFeeds, type Follower, type PollReport } from './follow.js';
import type { Article } from './ingest/article.js';
import { articleFromObject, articleObjectSchema } from './ingest/parse.js';
import { withFilter, type SearchOptions, type SearchResponse } from './search/search.js';
import { createApp, type AppOptions } from './server/app.js';
import { searchBodySchema } from './server/schemas.js';
import type { SyncProgress, SyncSummary } from './sync.js';

/** An article to add: the fields of JSON ingest; `text` (or `body`, `content`) or `title` is required. */
export type ArticleObject = z.input<typeof articleObjectSchema>;


export interface IndexOptions {
  /** For a feed item whose text is only a summary, fetch its page and index the page's text. */
  fetchPages?: boolean;
  onProgress?: (progress: SyncProgress) => void;
}

export interface FollowSettings {
  /** How often each feed is asked for, such as `30s`, `5m` or `1h` (default: the config's `follow.every`). */
  every?: string;
  /** For items whose text is only a summary, fetch their pages (default: the config's `follow.fetchPages`). */
  fetchPages?: boolean;
  /** Hears how each poll went. */
  onPoll?: (report: PollReport) => void;
}

export interface OpenOptions {
  /** Settings as in `newsq.config.json` (`indexDir`, `store`, `search`, ...); unset ones take their defaults. */
  settings?: ConfigInput;
  /** Create the index when there is none (the default); false fails with `no_index`. */
  create?: boolean;
  /** Start the index afresh, discarding what it holds (needed after changing the model or dtype). */
  rebuild?: boolean;
  /** Hears what newsq would log: an index caught up, a graph rebuilt, a write whose graph could not be saved. */
  onNotice?: (message: string) => void;
}

/** One index, open: what the `newsq` commands and the HTTP API do, as calls. */
export interface Newsq {
  readonly config: Config;
  /** Adds or replaces articles given as objects; an article without an id gets one from its content. */
  add(articles: ArticleObject | ArticleObject[]): Promise<SyncSummary & { ids: string[] }>;
  /**
   * Indexes files, folders, feeds and pages at web addresses as `newsq index` does: new and changed
   * articles embedded, unchanged ones skipped, articles whose files are gone from a folder removed,
   * what cannot be read in `skipped`.
   */
  index(names: string[], options?: IndexOptions): Promise<SyncSummary>;
  /** The passages (or articles) that answer a question, as `GET /search` returns them. */
  search(question: string | SearchOptions): Promise<SearchResponse>;
  article(id: string): Promise<Article | null>;
  /** Removes articles by id; returns the ids that were there. */
  remove(ids: string[]): Promise<string[]>;
  stats(): Promise<IndexStats>;
  /**
   * Follows feeds (addresses or files; default: the config's `follow.feeds`) until stopped: each
   * polled when due with conditional requests, its new and changed items indexed, failures retried
   * with backoff. What was seen is kept in the index, so a restart fetches nothing it has.
   */
  follow(feeds?: string[], settings?: FollowSettings): Follower;
  /** The HTTP API and web page over this index, as a Hono app to serve or mount in a server of yours. */
  app(options?: AppOptions): OpenAPIHono;
  /** Closes the index (the model's thread, idle, does not keep the process alive). */
  close(): Promise<void>;
}

/**
 * Opens (by default, creating) the index the settings name. Nothing here reads the environment,
 * prints or starts a process; failures are a `NewsqError` with a code from `errorCodes`.
 */
export async function openNewsq(options: OpenOptions = {}): Promise<Newsq> {
  const config = validate(configSchema, options.settings ?? {});
  // The model runs on worker threads: searches leave the caller's event loop free.
  const embedder = loadEmbedder(config);
  return newsqOver(await openEngine(config, embedder, options));
}

/** The library's verbs over an open engine (`serve` builds one over an engine that waits for its database). */
export function newsqOver(engine: Engine): Newsq {
  return {
    config: engine.config,
    async add(articles) {
      const inputs = validate(z.array(articleObjectSchema), Array.isArray(articles) ? articles : [articles]).map(articleFromObject);
      return { ...(await engine.write(inputs)), ids: inputs.map((input) => input.id) };
    },
    index: async (names, options = {}) => engine.sync(await sourcesOf(names, options), options.onProgress),
    async search(question) {
      // Checked as the HTTP API checks a body: a mistake is a bad_request naming the field.
      return engine.search(withFilter(validate(searchBodySchema, typeof question === 'string' ? { query: question } : question)));
    },
    article: (id) => engine.article(id),
    remove: (ids) => engine.remove(ids),
    stats: () => engine.stats(),
    follow(feeds = engine.config.follow.feeds, settings = {}) {
      const { every = engine.config.follow.every, fetchPages = engine.config.follow.fetchPages, onPoll } = settings;
      const everyMs = durationMs(every);
      if (everyMs === null) throw new NewsqError('bad_request', `every: must be a duration of at least 1s, such as 30s, 5m or 1h (got ${JSON.stringify(every)})`);
      if (feeds.length === 0) throw new NewsqError('bad_request', 'feeds: name at least one feed to follow');
      return followFeeds(engine, feeds, { everyMs, fetchPages, onPoll });
    },
    app: (appOptions) => createApp(engine, appOptions),
    close: () => engine.close(),
  };
}

/**
 * A reading engine, as `serve` holds: each write takes the index's lock for its own length, so
 * `newsq index` runs beside it. A missing index is created first (or a rebuilt one emptied) by a
 * writing engine; an in-memory index has only the engine that creates it.
 */
async function openEngine(config: Config, embedder: ReturnType<typeof loadEmbedder>, options: OpenOptions): Promise<Engine> {
  const { onNotice } = options;
  if (config.store.kind === 'memory') return createEngine(config, { writable: true, embedder, onNotice });
  if (!options.rebuild) {
    try {
      return await createEngine(config, { writable: false, embedder, onNotice });
    } catch (error) {
      if (options.create === false || !isNewsqError(error, 'no_index')) throw error;
    }
  }
  await (await createEngine(config, { writable: true, rebuild: options.rebuild, embedder, onNotice })).close();
  return createEngine(config, { writable: false, embedder, onNotice });
}
