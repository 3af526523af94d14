import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Config } from '../../config.js';
import { createEngine, loadEmbedder, type Engine } from '../../engine.js';
import { isNewsqError, NewsqError } from '../../errors.js';
import type { PollReport } from '../../follow.js';
import { newsqOver, type Newsq } from '../../newsq.js';
import { allowedHostsFor, isLoopbackHost } from '../../server/host-guard.js';
import { COMMON_OPTIONS, integerFlag, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const serveSpec: CommandSpec = {
  usage: `Usage: newsq serve [--port 8787] [--host 127.0.0.1] [--index-dir DIR]

Serves an index over HTTP: GET /search?q=&k=, POST /search, GET /articles/:id, GET /health,
the web page at /, and the OpenAPI document at /openapi.json. Follows the feeds listed in the
config's follow.feeds (as newsq follow does) while it serves.
PORT and HOST in the environment work too.`,
  options: { ...COMMON_OPTIONS, port: { type: 'string' }, host: { type: 'string' } },
  positionals: { min: 0, max: 0 },
};

export async function runServe(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(serveSpec, argv);
  if (values.help) return help(context, serveSpec);
  const config = configFrom(context, values, serveOverrides(values, serveSpec.usage), serveSpec.usage);
  // The model loads on its worker thread while the index is opened and prepared.
  const embedder = loadEmbedder(config);
  const open = () => createEngine(config, { writable: false, embedder, onNotice: (message) => context.logger.info(message) });
  let engine: Engine;
  try {
    engine = await open();
  } catch (error) {
    // A replica started while its database is down serves 503s until it can open the index.
    if (!isNewsqError(error, 'unavailable')) throw error;
    context.logger.warn(`${error.message}: answering 503 until it can be reached`);
    engine = engineOnceReachable(config, open, context);
  }
  return serveIndex(newsqOver(engine), config, context);
}

// How often a server that could not reach its database tries again.
const REOPEN_MS = 2_000;

/**
 * An engine that is not open yet: every call fails with `unavailable` (a 503 with Retry-After)
 * while `open` is tried again every {@link REOPEN_MS}, and goes to the opened engine once it is.
 */
function engineOnceReachable(config: Config, open: () => Promise<Engine>, context: CliContext): Engine {
  let engine: Engine | null = null;
  let closed = false;
  const attempt = async (): Promise<void> => {
    try {
      const opened = await open();
      if (closed) return void (await opened.close());
      engine = opened;
      context.logger.info('the index is open: answering');
    } catch (error) {
      if (!isNewsqError(error, 'unavailable')) context.logger.error(`cannot open the index: ${(error as Error).message}`);
      if (!closed) setTimeout(() => void attempt(), REOPEN_MS).unref();
    }
  };
  setTimeout(() => void attempt(), REOPEN_MS).unref();
  const ready = async (): Promise<Engine> => {
    if (engine) return engine;
    throw new NewsqError('unavailable', 'the index is not open yet: its PostgreSQL database cannot be reached');
  };
  return {
    config,
    get embedder() {
      if (!engine) throw new NewsqError('unavailable', 'the index is not open yet');
      return engine.embedder;
    },
    sync: async (sources, onProgress) => (await ready()).sync(sources, onProgress),
    search: async (request) => (await ready()).search(request),
    rank: async (query, mode, settings) => (await ready()).rank(query, mode, settings),
    article: async (id) => (await ready()).article(id),
    write: async (inputs) => (await ready()).write(inputs),
    remove: async (ids) => (await ready()).remove(ids),
    feedState: async (url) => (await ready()).feedState(url),
    writeFeed: async (state, items) => (await ready()).writeFeed(state, items),
    stats: async () => (await ready()).stats(),
    async close() {
      closed = true;
      await engine?.close();
    },
  };
}

/** Reads --port and --host into config fields. */
export function serveOverrides(values: Record<string, string | boolean | undefined>, usage: string): Partial<Config> {
  const port = integerFlag(values.port, 'port', usage);
  return { ...(port !== undefined && { port }), ...(typeof values.host === 'string' && { host: values.host }) };
}

/**
 * Serves an open index until SIGINT or SIGTERM, then closes the server (waiting up to
 * `shutdownTimeoutMs` for requests in flight) and the index; resolves to exit code 0.
 */
export async function serveIndex(newsq: Newsq, config: Config, context: CliContext): Promise<number> {
  // Load the vector graph and warm the model before listening, so the first user waits for neither.
  const stats = await newsq
    .search({ query: 'warm up', k: 1 })
    .then(() => newsq.stats())
    .catch((error) => {
      if (isNewsqError(error, 'unavailable')) return null;
      throw error;
    });
  const app = newsq.app({ logger: context.logger, apiKey: config.apiKey, allowedHosts: allowedHostsFor(config.host, config.allowedHosts) });
  const warning = exposureWarning(config);
  if (warning) context.logger.warn(warning);
  // The config's feeds are followed while serving: their new items appear in searches.
  const follower = config.follow.feeds.length > 0 ? newsq.follow(config.follow.feeds, { onPoll: (report) => logPoll(context, report) }) : null;
  const close = async () => {
    await follower?.stop();
    await newsq.close();
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      const url = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
      context.stdout.write(
        `newsq serving ${stats ? `${stats.articles} articles (${stats.passages} passages)` : 'an index not open yet'} at ${url}\n` +
          `try: curl '${url}/search?q=why+does+Egypt+oppose+a+Rafah+offensive&k=3'\n`,
      );
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      void close().finally(() => reject(error));
    });
    // Stop accepting, let requests in flight finish for up to shutdownTimeoutMs, then close what
    // remains: a client trickling a body must not hold the process open.
    const stop = () => {
      server.close(() => {
        void close().then(() => resolve(0), reject);
      });
      const http = server as Server;
      http.closeIdleConnections();
      setTimeout(() => http.closeAllConnections(), config.shutdownTimeoutMs).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function logPoll(context: CliContext, report: PollReport): void {
  const { feed, outcome, items, changed, error, dueAt } = report;
  const fields = { feed, outcome, items, changed, embedded: report.summary?.embedded ?? 0, skipped: report.skipped.length, next: new Date(dueAt).toISOString() };
  if (outcome === 'failed') context.logger.warn('feed not read', { ...fields, error });
  else context.logger.info('feed polled', fields);
}

/** The warning due when the server is reachable from other machines with no API key, else null. */
export function exposureWarning(config: Pick<Config, 'host' | 'apiKey'>): string | null {
  if (isLoopbackHost(config.host) || config.apiKey) return null;
  return `serving on ${config.host} without an API key: anyone who can reach this address can search the index; set NEWSQ_API_KEY`;
}
