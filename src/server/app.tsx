import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Engine } from '../engine.js';
import { articleFromObject } from '../ingest/parse.js';
import { badRequest, errorCodes, isNewsqError, NewsqError, validate, type ErrorCode } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { withFilter, type SearchOptions } from '../search/search.js';
import { hostGuard } from './host-guard.js';
import { createMetrics } from './metrics.js';
import { ArticlePage } from './pages/article-page.js';
import { SearchPage } from './pages/search-page.js';
import { articleDeleteRoute, articleRoute, articlesPostRoute, healthRoute, metricsRoute, pageRoute, searchGetRoute, searchPostRoute } from './routes.js';
import { describeBytes, MAX_ARTICLES_BODY_BYTES, MAX_BODY_BYTES, searchParamsSchema } from './schemas.js';

// What an `unavailable` answer tells a client to wait: about the time a database takes to restart.
const RETRY_AFTER_SECONDS = 2;

/**
 * The HTTP API over one engine, described at `/openapi.json` by the same zod schemas that validate
 * its requests. Every failure answers with `{"error": {"code", "message"}}` and the status of its
 * code, never a stack trace.
 */
export interface AppOptions {
  logger?: Logger;
  apiKey?: string;
  /** Host names the app answers to, or null (the default) for any; see {@link allowedHostsFor}. */
  allowedHosts?: string[] | null;
}

export function createApp(engine: Engine, options: AppOptions = {}): OpenAPIHono {
  const logger = options.logger ?? silentLogger;
  const metrics = createMetrics(engine);
  const app = new OpenAPIHono({ defaultHook: (result) => { if (!result.success) throw badRequest(result.error); } });
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    logger.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 });
  });
  app.use('*', metrics.middleware);
  app.use('*', hostGuard(options.allowedHosts ?? null));
  if (options.apiKey) app.use('*', requireApiKey(options.apiKey));
  const search = async (asked: SearchOptions) => {
    const timings: Record<string, number> = {};
    const response = await engine.search({ ...withFilter(asked), timings });
    if (timings.embed !== undefined) metrics.observeEmbedding(timings.embed);
    return response;
  };

  app.openapi(healthRoute, async (c) => {
    const { articles, passages, model } = await engine.stats();
    return c.json({ status: 'ok' as const, articles, passages, model }, 200);
  });

  app.openapi({ ...searchGetRoute, middleware: [utf8Query] }, async (c) => {
    const { q, ...options } = c.req.valid('query');
    return c.json(await search({ query: q, ...options }), 200);
  });

  app.openapi(metricsRoute, async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));

  app.openapi({ ...searchPostRoute, middleware: [bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge(MAX_BODY_BYTES) }), jsonBody] }, async (c) => {
    const { query, ...options } = c.req.valid('json');
    return c.json(await search({ query, ...options }), 200);
  });

  // The web page: a GET form, so that `/?q=…` is a search anyone can share as a link. Its errors
  // are shown on the page, not as JSON, so it validates for itself and is only described here.
  app.openAPIRegistry.registerPath(pageRoute);
  app.get('/', async (c) => {
    const raw = c.req.query();
    const form = { q: raw.q ?? '', source: raw.source ?? '', from: raw.from ?? '', to: raw.to ?? '', group: raw.group ?? '', sort: raw.sort ?? '' };
    if (!form.q.trim()) return c.html(<SearchPage form={form} />);
    try {
      assertQuery(c);
      const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
      const { q, ...options } = validate(searchParamsSchema, given);
      // The page always shows the coverage chart and the outlets.
      return c.html(<SearchPage form={form} response={await search({ query: q, timeline: 'auto', outlets: true, ...options })} />);
    } catch (error) {
      if (!isNewsqError(error, 'bad_request')) throw error;
      return c.html(<SearchPage form={form} error={error.message} />, 400);
    }
  });

  // Ids are file paths and may hold slashes, encoded (%2F) or not: the route pattern must match
  // several segments, which an OpenAPI path template cannot say, so these routes are registered
  // with Hono and described separately. Browsers get a readable page.
  app.openAPIRegistry.registerPath(articleRoute);
  app.get('/articles/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const article = await engine.article(id);
    if (!article) throw new NewsqError('not_found', `no article with id ${JSON.stringify(id)}`);
    if (prefersHtml(c.req.header('accept'))) return c.html(<ArticlePage article={article} />);
    return c.json(article);
  });

  app.openapi({ ...articlesPostRoute, middleware: [bodyLimit({ maxSize: MAX_ARTICLES_BODY_BYTES, onError: tooLarge(MAX_ARTICLES_BODY_BYTES) }), jsonBody] }, async (c) => {
    const body = c.req.valid('json');
    const inputs = (Array.isArray(body) ? body : [body]).map(articleFromObject);
    const summary = await engine.write(inputs);
    const { added, updated, unchanged, embedded, skipped } = summary;
    return c.json({ ids: inputs.map((input) => input.id), added, updated, unchanged, embedded, skipped }, 200);
  });

  app.openAPIRegistry.registerPath(articleDeleteRoute);
  app.delete('/articles/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const [removed] = await engine.remove([id]);
    if (!removed) throw new NewsqError('not_found', `no article with id ${JSON.stringify(id)}`);
    return c.json({ removed });
  });

  if (options.apiKey) app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'newsq', version: packageJson.version, description: packageJson.description },
    ...(options.apiKey ? { security: [{ apiKey: [] }] } : {}),
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (isNewsqError(error)) {
      if (error.code === 'unavailable') c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(errorBody(error.code, error.message), errorCodes[error.code].status as ContentfulStatusCode);
    }
    if (error instanceof HTTPException && error.status < 500) return c.json(errorBody('bad_request', error.message || 'bad request'), error.status as ContentfulStatusCode);
    logger.error('request failed', { method: c.req.method, path: c.req.path, error: error.stack ?? String(error) });
    return c.json(errorBody('internal', 'internal error'), 500);
  });

  return app;
}

/** Requires `Authorization: Bearer <key>` on every route but /health, compared in constant time. */
function requireApiKey(key: string): MiddlewareHandler {
  const expected = createHash('sha256').update(key).digest();
  return async (c, next) => {
    if (c.req.path === '/health') return next();
    // Authentication schemes are case-insensitive (RFC 9110): `bearer` is `Bearer`.
    const match = /^Bearer +(.+)$/i.exec(c.req.header('authorization') ?? '');
    // Hashing both sides gives equal lengths, so the comparison time says nothing about the key.
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    if (!match || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new NewsqError('unauthorized', 'this server requires an API key: send Authorization: Bearer <key>');
    }
    return next();
  };
}

// The same two levels up from src/server (run by tsx) and dist/server (built).
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; description: string };

function tooLarge(limit: number) {
  return (): never => {
    throw new NewsqError('payload_too_large', `the request body is larger than ${describeBytes(limit)}`);
  };
}


/** Whether a client asked for HTML before JSON (browsers do; API clients and curl do not). */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}


const utf8Query: MiddlewareHandler = async (c, next) => {
  assertQuery(c);
  await next();
};

/** A query string newsq can read: UTF-8, each parameter given once. */
function assertQuery(c: Context): void {
  assertUtf8Query(c.req.url);
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) throw new NewsqError('bad_request', `${name} is repeated: give it once`);
  }
}

/**
 * Checks a body is JSON before the route's schema sees it, so each failure gets its own message:
 * the wrong media type, bytes that are not UTF-8, text that is not JSON. The body read here is
 * cached by Hono, and the validator parses it from the cache.
 */
const jsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type');
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new NewsqError('unsupported_media_type', `send the body as JSON, with the header Content-Type: application/json${type ? ` (got ${type})` : ''}`);
  }
  await readJson(c);
  await next();
};

/** Hono passes undecodable percent-escapes through as text; newsq refuses them, naming the field. */
function assertUtf8Query(url: string): void {
  const query = url.slice(url.indexOf('?') + 1);
  if (!url.includes('?')) return;
  for (const pair of query.split('&')) {
    const [name, value = ''] = pair.split('=');
    try {
      decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      throw new NewsqError('bad_request', `${safeDecode(name)} is not valid percent-encoded UTF-8`);
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return 'a query parameter';
  }
}

function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

async function readJson(c: Context): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await c.req.arrayBuffer());
  } catch {
    throw new NewsqError('bad_request', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new NewsqError('bad_request', 'the request body is not valid JSON');
  }
}

