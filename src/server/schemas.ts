import { z } from 'zod';
import { isIsoDate } from '../ingest/dates.js';
import { articleObjectSchema } from '../ingest/parse.js';
import { SEARCH_GROUPS, SEARCH_MODES, SEARCH_SORTS, TIMELINE_OPTIONS } from '../search/modes.js';

/** Longest question accepted, in characters: longer input is not a question. */
export const MAX_QUERY_CHARS = 2000;
/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A body size limit as people read it: `64 KiB`, `8 MiB`. */
export function describeBytes(bytes: number): string {
  return bytes >= 1048576 ? `${bytes / 1048576} MiB` : `${bytes / 1024} KiB`;
}

const query = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_QUERY_CHARS, `must be at most ${MAX_QUERY_CHARS} characters`);

const k = z
  .number({ error: 'must be an integer from 1 to 100' })
  .int('must be an integer from 1 to 100')
  .min(1, 'must be an integer from 1 to 100')
  .max(100, 'must be an integer from 1 to 100');

const mode = z.enum(SEARCH_MODES, { error: `must be one of ${SEARCH_MODES.join(', ')}` });
const group = z
  .enum(SEARCH_GROUPS, { error: `must be one of ${SEARCH_GROUPS.join(', ')}` })
  .meta({ description: 'One result per passage (the default), or per article with its best passages; `k` counts results' });
const sort = z
  .enum(SEARCH_SORTS, { error: `must be one of ${SEARCH_SORTS.join(', ')}` })
  .meta({ description: 'By relevance (the default), or newest first among the articles that match the question well enough (`coverage.articles` of them)' });
const timeline = z
  .enum(TIMELINE_OPTIONS, { error: `must be one of ${TIMELINE_OPTIONS.join(', ')}` })
  .meta({ description: 'Count the matching articles per day, week, month or year, in `coverage.timeline`; `auto` picks the unit by the span of their dates' });
const outlets = z.boolean({ error: 'must be true or false' }).meta({ description: 'Count the matching articles per outlet, in `coverage.outlets`' });
const date = z
  .string({ error: 'must be a date, YYYY-MM-DD' })
  .refine(isIsoDate, 'must be a date, YYYY-MM-DD')
  .meta({ format: 'date' });
const source = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** Filters and mode, the same in the query string and the body. */
const searchOptions = { mode: mode.optional(), group: group.optional(), sort: sort.optional(), timeline: timeline.optional(), source: source.optional(), from: date.optional(), to: date.optional() };

/** `GET /search` query parameters: `k` arrives as text and must be a plain integer. */
export const searchParamsSchema = z.object({
  ...searchOptions,
  q: query,
  k: z.preprocess((value) => (typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value), k).optional(),
  outlets: z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), outlets).optional(),
});

/** `POST /search` body. */
export const searchBodySchema = z.object({ query, k: k.optional(), outlets: outlets.optional(), ...searchOptions }, { error: 'the body must be a JSON object' });

/** Largest `POST /articles` body, in bytes: article batches are bigger than questions. */
export const MAX_ARTICLES_BODY_BYTES = 8 * 1024 * 1024;

/** `POST /articles` body: one article object, or an array of up to 1,000, as in JSON ingest. */
export const articlesBodySchema = z.union([articleObjectSchema, z.array(articleObjectSchema).min(1, 'must hold at least one article').max(1000, 'must hold at most 1000 articles')], {
  error: 'the body must be an article object or an array of them, each with a title or text (text, body or content)',
});
