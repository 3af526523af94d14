import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { useSampleEngine } from '../helpers/engine.js';

describe('HTTP API', () => {
  const sample = useSampleEngine();
  let app: ReturnType<typeof createApp>;
  beforeAll(() => {
    app = createApp(sample.engine);
  });

  const expectError = async (response: Response, status: number, code: string, message: RegExp) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\/work\/|node_modules/);
  };

  it('answers GET /search with the result shape, every article field present', async () => {
    const response = await app.request('/search?q=Philadelphi+Corridor+Egypt&k=3');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { query: string; mode: string; tookMs: number; results: Record<string, unknown>[] };
    expect(body.query).toBe('Philadelphi Corridor Egypt');
    expect(body.mode).toBe('hybrid');
    expect(typeof body.tookMs).toBe('number');
    expect(body.results).toHaveLength(3);
    body.results.forEach((result, i) => {
      expect(Object.keys(result).sort()).toEqual(['alsoIn', 'answer', 'answerEnd', 'answerStart', 'article', 'paragraph', 'rank', 'score', 'text']);
      expect(result.rank).toBe(i + 1);
      expect(Object.keys(result.article as object).sort()).toEqual(['id', 'path', 'published', 'source', 'title', 'url']);
    });
    expect(body.results.map((r) => r.text).join(' ')).toMatch(/Philadelphi Corridor/);
  });

  it('answers POST /search with the same results as GET', async () => {
    const get = (await (await app.request('/search?q=hostage+release&k=4')).json()) as { results: unknown[] };
    const post = await app.request('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'hostage release', k: 4 }) });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { results: unknown[] }).results).toEqual(get.results);
  });

  it('searches in each mode', async () => {
    for (const mode of ['hybrid', 'dense', 'lexical']) {
      const body = (await (await app.request(`/search?q=Philadelphi+Corridor&k=2&mode=${mode}`)).json()) as { mode: string; results: { text: string }[] };
      expect(body.mode).toBe(mode);
      expect(body.results[0].text).toMatch(/Philadelphi Corridor/);
    }
  });

  it('filters by outlet and publication date', async () => {
    type Body = { results: { article: { source: string; published: string | null } }[] };
    const byOutlet = (await (await app.request('/search?q=Egypt+talks&k=20&source=reuters')).json()) as Body;
    expect(byOutlet.results.length).toBeGreaterThan(0);
    for (const result of byOutlet.results) expect(result.article.source).toBe('Reuters');
    const byDate = (await (
      await app.request('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'Egypt talks', k: 50, from: '2024-02-10', to: '2024-02-28' }) })
    ).json()) as Body;
    expect(byDate.results.length).toBeGreaterThan(0);
    for (const result of byDate.results) expect(result.article.published).toBe('2024-02-22');
    const none = (await (await app.request('/search?q=Egypt&from=2030-01-01')).json()) as Body;
    expect(none.results).toEqual([]);
  });

  it.each(['"Philadelphi', 'Rafah - "crossing" * (NEAR) OR AND NOT', 'col:on ^start', '***', '"', 'NEAR(a b)'])(
    'answers a question full of FTS5 syntax (%s) without error',
    async (question) => {
      const response = await app.request(`/search?q=${encodeURIComponent(question)}&mode=lexical`);
      expect(response.status).toBe(200);
      const hybrid = await app.request(`/search?q=${encodeURIComponent(question)}`);
      expect(hybrid.status).toBe(200);
    },
  );

  it('uses the default k when none is given', async () => {
    const body = (await (await app.request('/search?q=Cairo')).json()) as { results: unknown[] };
    expect(body.results).toHaveLength(5);
  });

  it.each([
    ['/search', 'q is required'],
    ['/search?q=', 'q must not be empty'],
    ['/search?q=%20%20', 'q must not be empty'],
    ['/search?q=x&k=0', 'k must be an integer from 1 to 100'],
    ['/search?q=x&k=101', 'k must be an integer from 1 to 100'],
    ['/search?q=x&k=2.5', 'k must be an integer from 1 to 100'],
    ['/search?q=x&k=abc', 'k must be an integer from 1 to 100'],
    [`/search?q=${'a'.repeat(2001)}`, 'q must be at most 2000 characters'],
    ['/search?q=x&mode=fuzzy', 'mode must be one of hybrid, dense, lexical'],
    ['/search?q=x&from=2024-02-30', 'from must be a date, YYYY-MM-DD'],
    ['/search?q=x&to=yesterday', 'to must be a date, YYYY-MM-DD'],
    ['/search?q=x&source=', 'source must not be empty'],
    ['/search?q=x&k=1&k=2', 'k is repeated: give it once'],
    ['/search?q=x&q=y', 'q is repeated: give it once'],
  ])('rejects GET %s with 400 naming the field', async (path, message) => {
    await expectError(await app.request(path), 400, 'bad_request', new RegExp(`^${message}`));
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1,2]', /body must be a JSON object/],
    ['"text"', /body must be a JSON object/],
    ['{}', /^query is required/],
    ['{"query": 5}', /^query must be a string/],
    ['{"query": ["a"]}', /^query must be a string/],
    ['{"query": "x", "k": "5"}', /^k must be an integer/],
    ['{"query": "x", "k": 0}', /^k must be an integer/],
    ['{"query": "x", "k": 1.5}', /^k must be an integer/],
  ])('rejects POST body %s with 400 naming the field', async (body, message) => {
    await expectError(await app.request('/search', { method: 'POST', body, headers: { 'content-type': 'application/json' } }), 400, 'bad_request', message);
  });

  it.each([
    ['{"text": "x", "title": 5}', /^title must be a string or null$/],
    ['[{"text": "a"}, {"text": "b"}, {"text": "c"}, {"text": "d", "title": 5}]', /^\[3\]\.title must be a string or null$/],
    ['[{"text": "a"}, {"source": "x"}]', /^\[1\] article has neither a title nor text/],
    ['[{"text": "a"}, 5]', /^\[1\] must be an article object$/],
    ['{"text": 5}', /^text must be a string$/],
    ['[]', /^must hold at least one article$/],
    ['{"id": "", "text": "x"}', /^id must be 1 to 1024 characters, not only spaces, with no control characters/],
    ['{"id": "a\\nb", "text": "x"}', /^id must be 1 to 1024 characters/],
    ['[{"text": "a"}, {"id": "   ", "text": "b"}]', /^\[1\]\.id must be 1 to 1024 characters/],
  ])('rejects POST /articles body %s with 400 naming the field and the article', async (body, message) => {
    await expectError(await app.request('/articles', { method: 'POST', body, headers: { 'content-type': 'application/json' } }), 400, 'bad_request', message);
  });

  it('rejects a body not sent as JSON with 415 naming the header', async () => {
    const body = JSON.stringify({ query: 'x' });
    await expectError(await app.request('/search', { method: 'POST', body }), 415, 'unsupported_media_type', /Content-Type: application\/json \(got text\/plain/);
    await expectError(await app.request('/search', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', /got application\/x-www-form-urlencoded/);
    const charset = await app.request('/search', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(charset.status).toBe(200);
  });

  it('rejects a body over 64 KiB with 413', async () => {
    const body = JSON.stringify({ query: 'x', padding: 'a'.repeat(70 * 1024) });
    await expectError(await app.request('/search', { method: 'POST', body, headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large', /64 KiB/);
  });

  it('returns an article with its paragraphs, and a JSON 404 for an unknown one', async () => {
    const response = await app.request('/articles/004_9185147787dbf855.txt');
    expect(response.status).toBe(200);
    const article = (await response.json()) as { title: string; source: string; paragraphs: string[] };
    expect(article.title).toBe('Mediators meet in Cairo in effort to resolve gaps on Gaza truce proposal');
    expect(article.source).toBe('Reuters');
    expect(article.paragraphs).toHaveLength(10);
    await expectError(await app.request('/articles/..%2F..%2Fetc%2Fpasswd'), 404, 'not_found', /no article with id/);
  });

  it('reports health with counts and the model', async () => {
    const response = await app.request('/health');
    expect(await response.json()).toEqual({ status: 'ok', articles: 5, passages: 96, model: 'fake/bag-of-words' });
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    await expectError(await app.request('/nope'), 404, 'not_found', /no route GET \/nope/);
    await expectError(await app.request('/health', { method: 'DELETE' }), 404, 'not_found', /no route DELETE/);
  });
});
