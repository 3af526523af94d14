import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { allowedHostsFor } from '../../src/server/host-guard.js';
import { useSampleEngine } from '../helpers/engine.js';

describe('hostile HTTP input', () => {
  const sample = useSampleEngine();
  let app: ReturnType<typeof createApp>;
  beforeAll(() => {
    app = createApp(sample.engine);
  });

  const noLeak = async (response: Response) => {
    const text = await response.text();
    expect(text).not.toMatch(/\n\s+at |\/work\/|\/tmp\/|node_modules|\.ts:\d+/);
    return text;
  };

  it('never answers a random request with a 5xx or a stack trace (property)', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH');
    const path = fc.oneof(
      fc.constantFrom('/search', '/health', '/articles/', '/articles/x', '/', '/search/'),
      fc.string().map((s) => `/${encodeURIComponent(s)}`),
      fc.webPath(),
    );
    const query = fc.oneof(
      fc.constant(''),
      fc.dictionary(fc.constantFrom('q', 'k', 'mode', 'source', 'from', 'to', 'x'), fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('%FF', '%', '-1', '1e3'))).map(
        (params) => `?${Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&')}`,
      ),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json(),
      fc.string(),
      fc.record({ query: fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())), k: fc.oneof(fc.integer(), fc.double(), fc.string()) }).map((r) => JSON.stringify(r)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(method, path, query, body, async (m, p, q, b) => {
        const init: RequestInit = { method: m };
        if (b !== undefined && m !== 'GET') init.body = b;
        const response = await app.request(`${p}${q}`, init);
        expect(response.status).toBeLessThan(500);
        const text = await noLeak(response);
        // API errors are JSON; the web page shows its errors in the page.
        if (response.status >= 400 && !response.headers.get('content-type')?.includes('text/html')) expect(JSON.parse(text)).toHaveProperty('error.code');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses invalid UTF-8 in the query string and the body with 400', async () => {
    const query = await app.request('/search?q=%FF%FE');
    expect(query.status).toBe(400);
    expect(await query.json()).toEqual({ error: { code: 'bad_request', message: 'q is not valid percent-encoded UTF-8' } });
    const body = await app.request('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) });
    expect(body.status).toBe(400);
    expect(((await body.json()) as { error: { message: string } }).error.message).toBe('the request body is not valid UTF-8');
  });

  it('cannot read outside the index through /articles/:id', async () => {
    for (const id of ['../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '....//....//etc/passwd']) {
      const response = await app.request(`/articles/${id}`);
      expect(response.status).toBe(404);
      expect(await noLeak(response)).not.toMatch(/root:/);
    }
  });
});

describe('API key', () => {
  const sample = useSampleEngine();
  let app: ReturnType<typeof createApp>;
  beforeAll(() => {
    app = createApp(sample.engine, { apiKey: 's3cret-key' });
  });

  it('requires the bearer key on every route but /health', async () => {
    expect((await app.request('/health')).status).toBe(200);
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 's3cret-key' }, { authorization: 'Bearer s3cret-key-longer' }]) {
      const response = await app.request('/search?q=Egypt', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await app.request('/articles/x', {})).status).toBe(401);
    // The scheme's name is case-insensitive.
    for (const authorization of ['Bearer s3cret-key', 'bearer s3cret-key', 'BEARER s3cret-key']) {
      expect((await app.request('/search?q=Egypt', { headers: { authorization } })).status, authorization).toBe(200);
    }
  });
});

describe('Host header (DNS rebinding)', () => {
  const sample = useSampleEngine();

  it('bound to loopback, answers loopback names only, and the names allowed', async () => {
    const app = createApp(sample.engine, { allowedHosts: allowedHostsFor('127.0.0.1', undefined) });
    for (const host of ['localhost', 'localhost:8787', '127.0.0.1:8787', '127.0.0.2', '[::1]:8787', 'app.localhost']) {
      expect((await app.request('/health', { headers: { host } })).status, host).toBe(200);
    }
    for (const host of ['evil.example', 'evil.example:8787', '127.0.0.1.evil.example', 'localhost.evil.example']) {
      const response = await app.request('/articles/x', { method: 'DELETE', headers: { host } });
      expect(response.status, host).toBe(403);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toMatch(/answers only to localhost, 127\.0\.0\.1, \[::1\], not to the Host .*allowedHosts/);
    }
    const allowing = createApp(sample.engine, { allowedHosts: allowedHostsFor('127.0.0.1', ['news.example']) });
    expect((await allowing.request('/health', { headers: { host: 'News.Example:443' } })).status).toBe(200);
    expect((await allowing.request('/health', { headers: { host: 'other.example' } })).status).toBe(403);
  });

  it('bound to other addresses, answers any name unless allowedHosts is set', async () => {
    expect(allowedHostsFor('0.0.0.0', undefined)).toBeNull();
    const app = createApp(sample.engine, { allowedHosts: allowedHostsFor('0.0.0.0', undefined) });
    expect((await app.request('/health', { headers: { host: 'news.example' } })).status).toBe(200);
    expect(allowedHostsFor('0.0.0.0', ['news.example'])).toEqual(['news.example']);
  });
});
