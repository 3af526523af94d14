import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Config } from '../../config.js';
import { createEngine, loadEmbedder, type Engine } from '../../engine.js';
import { createApp } from '../../server/app.js';
import { allowedHostsFor, isLoopbackHost } from '../../server/host-guard.js';
import { COMMON_OPTIONS, integerFlag, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const serveSpec: CommandSpec = {
  usage: `Usage: newsq serve [--port 8787] [--host 127.0.0.1] [--index-dir DIR]

Serves an index over HTTP: GET /search?q=&k=, POST /search, GET /articles/:id, GET /health,
the web page at /, and the OpenAPI document at /openapi.json.
PORT and HOST in the environment work too.`,
  options: { ...COMMON_OPTIONS, port: { type: 'string' }, host: { type: 'string' } },
  positionals: { min: 0, max: 0 },
};

export async function runServe(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(serveSpec, argv);
  if (values.help) return help(context, serveSpec);
  const config = configFrom(context, values, serveOverrides(values, serveSpec.usage), serveSpec.usage);
  // The model loads on its worker thread while the index is opened and prepared.
  const embedder = loadEmbedder(config, { threaded: true });
  const engine = await createEngine(config, { writable: false, embedder, onNotice: (message) => context.logger.info(message) });
  return serveEngine(engine, config, context);
}

/** Reads --port and --host into config fields. */
export function serveOverrides(values: Record<string, string | boolean | undefined>, usage: string): Partial<Config> {
  const port = integerFlag(values.port, 'port', usage);
  return { ...(port !== undefined && { port }), ...(typeof values.host === 'string' && { host: values.host }) };
}

/**
 * Serves until SIGINT or SIGTERM, then closes the server (waiting up to `shutdownTimeoutMs` for
 * requests in flight) and the engine; resolves to exit code 0.
 */
export async function serveEngine(engine: Engine, config: Config, context: CliContext): Promise<number> {
  // Load the vector graph and warm the model before listening, so the first user waits for neither.
  await engine.search({ query: 'warm up', k: 1 });
  const app = createApp(engine, { logger: context.logger, apiKey: config.apiKey, allowedHosts: allowedHostsFor(config.host, config.allowedHosts) });
  const warning = exposureWarning(config);
  if (warning) context.logger.warn(warning);
  const stats = await engine.stats();
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      const url = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
      context.stdout.write(
        `newsq serving ${stats.articles} articles (${stats.passages} passages) at ${url}\n` +
          `try: curl '${url}/search?q=why+does+Egypt+oppose+a+Rafah+offensive&k=3'\n`,
      );
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      void engine.close().finally(() => reject(error));
    });
    // Stop accepting, let requests in flight finish for up to shutdownTimeoutMs, then close what
    // remains: a client trickling a body must not hold the process open.
    const stop = () => {
      server.close(() => {
        void engine.close().then(() => resolve(0), reject);
      });
      const http = server as Server;
      http.closeIdleConnections();
      setTimeout(() => http.closeAllConnections(), config.shutdownTimeoutMs).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The warning due when the server is reachable from other machines with no API key, else null. */
export function exposureWarning(config: Pick<Config, 'host' | 'apiKey'>): string | null {
  if (isLoopbackHost(config.host) || config.apiKey) return null;
  return `serving on ${config.host} without an API key: anyone who can reach this address can search the index; set NEWSQ_API_KEY`;
}
