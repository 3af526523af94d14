import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '../../src/server/app.js';
import { articleSchema, errorSchema, healthSchema, searchResponseSchema } from '../../src/server/responses.js';
import { useSampleEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/fixtures.js';

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[]; requestBody?: { required: boolean } }>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: unknown[];
}

describe('OpenAPI document', () => {
  const sample = useSampleEngine();
  let app: ReturnType<typeof createApp>;
  let document: Document;
  beforeAll(async () => {
    app = createApp(sample.engine);
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route the server answers', () => {
    const served = app.routes
      .filter((route) => ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].includes(route.method) && route.path !== '/openapi.json')
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
    const described = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
    expect(new Set(served).size).toBeGreaterThanOrEqual(8);
    expect(new Set(described)).toEqual(new Set(served));
  });

  it('documents the parameters and bodies the server validates', () => {
    const search = document.paths['/search'];
    const q = search.get.parameters?.find((parameter) => parameter.name === 'q');
    expect(q).toMatchObject({ in: 'query', required: true });
    expect(search.get.parameters?.map((parameter) => parameter.name).sort()).toEqual(['from', 'group', 'k', 'mode', 'outlets', 'q', 'sort', 'source', 'timeline', 'to']);
    expect(search.post.requestBody?.required).toBe(true);
    expect(document.paths['/articles'].post.requestBody?.required).toBe(true);
    expect(document.paths['/articles/{id}'].get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
  });

  it('matches what the server sends', async () => {
    const parse = async <T extends z.ZodType>(schema: T, path: string, status = 200) => {
      const response = await app.request(path);
      expect(response.status).toBe(status);
      const parsed = schema.safeParse(await response.json());
      expect(parsed.error?.issues ?? []).toEqual([]);
      return parsed.data;
    };
    await parse(searchResponseSchema, `/search?q=${encodeURIComponent('why does Egypt oppose a Rafah offensive')}&k=5`);
    await parse(searchResponseSchema, `/search?q=${encodeURIComponent('why does Egypt oppose a Rafah offensive')}&k=3&group=article`);
    await parse(errorSchema, '/search?q=x&group=outlet', 400);
    const counted = await parse(searchResponseSchema, `/search?q=${encodeURIComponent('Gaza truce talks')}&k=3&sort=newest&timeline=auto&outlets=true`);
    expect(counted?.coverage?.timeline?.buckets.length).toBeGreaterThan(0);
    expect(counted?.coverage?.outlets?.length).toBeGreaterThan(0);
    await parse(searchResponseSchema, `/search?q=${encodeURIComponent('Gaza truce talks')}&group=article&timeline=month`);
    await parse(errorSchema, '/search?q=x&timeline=hourly', 400);
    await parse(errorSchema, '/search?q=x&outlets=yes', 400);
    await parse(errorSchema, '/search?q=x&sort=oldest', 400);
    await parse(healthSchema, '/health');
    await parse(articleSchema, '/articles/004_9185147787dbf855.txt');
    await parse(errorSchema, '/search?q=x&k=500', 400);
    await parse(errorSchema, '/articles/nope', 404);
  });

  it('names the API key scheme when the server requires one', async () => {
    const guarded = createApp(sample.engine, { apiKey: 'key' });
    const response = await guarded.request('/openapi.json', { headers: { authorization: 'Bearer key' } });
    const secured = (await response.json()) as Document;
    expect(secured.components?.securitySchemes).toEqual({ apiKey: { type: 'http', scheme: 'bearer' } });
    expect(secured.security).toEqual([{ apiKey: [] }]);
    expect((await new Validator().validate(secured as unknown as Record<string, unknown>)).valid).toBe(true);
  });
});

describe('OpenAPI document, through a generated client', () => {
  const sample = useSampleEngine();

  it('types GET /search parameters as a client sends them: k an integer, dates as dates', async () => {
    const document = await (await createApp(sample.engine).request('/openapi.json')).json();
    const search = (document as Document).paths['/search'].get.parameters as unknown as { name: string; schema: Record<string, unknown> }[];
    const schemaOf = (name: string) => search.find((parameter) => parameter.name === name)?.schema;
    expect(schemaOf('k')).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(schemaOf('from')).toMatchObject({ type: 'string', format: 'date' });
    expect(schemaOf('to')).toMatchObject({ type: 'string', format: 'date' });

    // The types openapi-typescript generates, checked by the compiler against a client's call.
    const dir = tempDir();
    writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(document as Parameters<typeof openapiTS>[0])));
    writeFileSync(
      join(dir, 'client.ts'),
      `import type { paths } from './api';
type SearchQuery = paths['/search']['get']['parameters']['query'];
export const query: SearchQuery = { q: 'Rafah', k: 3, from: '2024-01-01', mode: 'dense' };
// @ts-expect-error k is a number, not text
export const text: SearchQuery = { q: 'Rafah', k: '3' };
`,
    );
    const program = ts.createProgram([join(dir, 'client.ts')], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022 });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(problems).toEqual([]);
    // And the server takes the call the types allow.
    const response = await createApp(sample.engine).request('/search?q=Rafah&k=3&from=2024-01-01&mode=dense');
    expect(response.status).toBe(200);
  });
});
