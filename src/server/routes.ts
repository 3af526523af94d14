import { createRoute, z } from '@hono/zod-openapi';
import { articleSchema, errorSchema, healthSchema, removedSchema, searchResponseSchema, writeSummarySchema } from './responses.js';
import { articlesBodySchema, describeBytes, MAX_ARTICLES_BODY_BYTES, MAX_BODY_BYTES, searchBodySchema, searchParamsSchema } from './schemas.js';

// The API as OpenAPI describes it. The request schemas here are the ones that validate requests,
// so /openapi.json cannot promise what the server does not check.

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(errorSchema, description);
const jsonBody = <T extends z.ZodType>(schema: T, description: string) => ({ required: true, description, content: { 'application/json': { schema } } });
// The failures every JSON-body route shares, its size limit named as the server names it.
const bodyErrors = (limit: number) => ({
  413: error(`The body is larger than ${describeBytes(limit)}`),
  415: error('The body is not sent as application/json'),
});
const articleId = z.object({ id: z.string().min(1).meta({ description: 'The article id; ids made from file paths may contain slashes' }) });

// On PostgreSQL, a server that has not loaded the index while the database cannot be reached.
const UNAVAILABLE = 'The database cannot be reached and the server holds nothing to answer from yet (no_index, unavailable); Retry-After says when to try again';

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Whether the server is up, and the size of its index',
  responses: { 200: json(healthSchema, 'The server is answering'), 503: error(UNAVAILABLE) },
});

export const searchGetRoute = createRoute({
  method: 'get',
  path: '/search',
  summary: 'Search the index with a question in plain language',
  request: { query: searchParamsSchema },
  responses: { 200: json(searchResponseSchema, 'The best passages, best first'), 400: error('A parameter is missing or invalid'), 503: error(UNAVAILABLE) },
});

export const searchPostRoute = createRoute({
  method: 'post',
  path: '/search',
  summary: 'Search, with the question and options in a JSON body',
  request: { body: jsonBody(searchBodySchema, 'The question and options') },
  responses: {
    200: json(searchResponseSchema, 'The best passages, best first'),
    400: error('The body is not valid UTF-8 JSON, or a field is missing or invalid'),
    ...bodyErrors(MAX_BODY_BYTES),
    503: error(UNAVAILABLE),
  },
});

export const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: requests, latency, index size, embedding time',
  responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
});

export const articleRoute = createRoute({
  method: 'get',
  path: '/articles/{id}',
  summary: 'One article: JSON, or a readable page when the client prefers HTML',
  request: { params: articleId },
  responses: {
    200: { description: 'The article', content: { 'application/json': { schema: articleSchema }, 'text/html': { schema: z.string() } } },
    404: error('No article has this id'),
  },
});

export const articlesPostRoute = createRoute({
  method: 'post',
  path: '/articles',
  summary: 'Index articles: one object, or an array of up to 1,000, with the fields of JSON ingest',
  request: { body: jsonBody(articlesBodySchema, 'The articles to add or replace') },
  responses: {
    200: json(writeSummarySchema, 'The articles were indexed'),
    400: error('The body is not valid UTF-8 JSON, or an article is invalid'),
    401: error('The server requires an API key'),
    ...bodyErrors(MAX_ARTICLES_BODY_BYTES),
  },
});

export const articleDeleteRoute = createRoute({
  method: 'delete',
  path: '/articles/{id}',
  summary: 'Remove one article and its passages',
  request: { params: articleId },
  responses: { 200: json(removedSchema, 'The article was removed'), 401: error('The server requires an API key'), 404: error('No article has this id') },
});

/** The web page: a search form whose `GET /?q=…` links run the search. */
export const pageRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The search page; `/?q=…` opens with that search run',
  request: { query: searchParamsSchema.partial() },
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } }, 400: { description: 'The page, showing what was wrong', content: { 'text/html': { schema: z.string() } } } },
});
