import { z } from 'zod';
import { errorCodes, type ErrorCode } from '../errors.js';
import { PASSAGES_PER_ARTICLE } from '../search/search.js';
import { SEARCH_GROUPS, SEARCH_MODES, SEARCH_SORTS, TIMELINE_UNITS } from '../search/modes.js';

// The shapes the API answers with. They document the API in /openapi.json and type its handlers;
// the OpenAPI test checks real answers against them, so they cannot drift from what is sent.

const nullableText = z.string().nullable();

export const articleSummarySchema = z
  .object({
    id: z.string(),
    title: nullableText,
    source: nullableText.meta({ description: 'The outlet, when the article states it' }),
    published: nullableText.meta({ description: 'Publication date, YYYY-MM-DD, when known' }),
    path: nullableText.meta({ description: 'File the article was read from, relative to the indexed folder' }),
    url: nullableText,
  })
  .meta({ id: 'ArticleSummary' });

export const articleSchema = articleSummarySchema
  .extend({ paragraphs: z.array(z.string()).meta({ description: 'Cleaned paragraphs; a result’s `paragraph` indexes this list' }) })
  .meta({ id: 'Article' });

const resultPassage = {
  score: z.number(),
  text: z.string(),
  paragraph: z.number().int().min(0).meta({ description: '0-based paragraph of the article the passage comes from' }),
  answer: z.string().meta({ description: 'The sentence of `text` that best answers the query' }),
  answerStart: z.number().int().min(0),
  answerEnd: z.number().int().min(0),
  alsoIn: z.array(articleSummarySchema).meta({ description: 'Other articles carrying the same passage' }),
};

export const resultPassageSchema = z.object(resultPassage).meta({ id: 'ResultPassage' });

export const searchResultSchema = z
  .object({
    rank: z.number().int().min(1),
    ...resultPassage,
    article: articleSummarySchema,
    passages: z
      .array(resultPassageSchema)
      .min(1)
      .max(PASSAGES_PER_ARTICLE)
      .optional()
      .meta({ description: `With group=article: the article's best passages (up to ${PASSAGES_PER_ARTICLE}), best first; the first is the result's own` }),
  })
  .meta({ id: 'SearchResult' });

const day = z.string().meta({ format: 'date' });

export const coverageSchema = z
  .object({
    articles: z.number().int().min(0).meta({ description: 'Articles that match the question well enough: candidates scoring at least 0.65 of the best' }),
    timeline: z
      .object({
        unit: z.enum(TIMELINE_UNITS),
        buckets: z
          .array(z.object({ start: day, end: day, count: z.number().int().min(0) }))
          .meta({ description: 'Matching articles per unit, from the first dated one to the last, empty buckets included; each `start` to `end` (inclusive) works as from/to' }),
        undated: z.number().int().min(0).meta({ description: 'Matching articles without a publication date' }),
      })
      .optional(),
    outlets: z
      .array(z.object({ source: z.string(), count: z.number().int().min(1) }))
      .optional()
      .meta({ description: 'Matching articles per outlet, most first; outlets written alike but for case are one' }),
    unattributed: z.number().int().min(0).optional().meta({ description: 'Matching articles that name no outlet' }),
  })
  .meta({ id: 'Coverage' });

export const searchResponseSchema = z
  .object({
    query: z.string(),
    mode: z.enum(SEARCH_MODES),
    group: z.enum(SEARCH_GROUPS),
    sort: z.enum(SEARCH_SORTS),
    tookMs: z.number(),
    results: z.array(searchResultSchema),
    coverage: coverageSchema.optional().meta({ description: 'With timeline or outlets: the matching articles counted' }),
  })
  .meta({ id: 'SearchResponse' });

export const healthSchema = z.object({ status: z.literal('ok'), articles: z.number().int(), passages: z.number().int(), model: z.string() }).meta({ id: 'Health' });

const skippedSchema = z.object({ path: z.string(), reason: z.string() });

export const writeSummarySchema = z
  .object({
    ids: z.array(z.string()).meta({ description: 'Ids of the articles written, in request order' }),
    added: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    embedded: z.number().int().meta({ description: 'Passages embedded by this request' }),
    skipped: z.array(skippedSchema),
  })
  .meta({ id: 'WriteSummary' });

export const removedSchema = z.object({ removed: z.string() }).meta({ id: 'Removed' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
      message: z.string().meta({ description: 'What was wrong, naming the field at fault' }),
    }),
  })
  .meta({ id: 'Error' });
