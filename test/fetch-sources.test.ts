import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSources, isUrl, retryAfterMs, sourcesOf, USER_AGENT } from '../src/fetch-sources.js';
import { tempDir } from './helpers/fixtures.js';

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Wire</title>
<item><title>Talks resume in Cairo</title><link>http://wire.test/talks</link><guid>talks-1</guid><pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate><description>Negotiators met again in Cairo.</description></item>
</channel></rss>`;
const PAGE = `<html><head><title>Ceasefire proposal</title><meta property="og:site_name" content="Loopback Daily"></head>
<body><nav>Home | World</nav><article><h1>Ceasefire proposal</h1><p>Mediators put forward a proposal on Thursday.</p></article></body></html>`;
const NEWS_PAGE = (n: number) => `<html><body><article><p>Story ${n} of the day, told in full.</p></article></body></html>`;
const sitemap = (base: string) => `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>${base}/news/1</loc><news:news><news:publication><news:name>Loopback Times</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>2024-03-02T09:00:00+01:00</news:publication_date><news:title>First story</news:title></news:news></url>
  <url><loc>${base}/news/2</loc></url>
  <url><loc>${base}/gone</loc></url>
</urlset>`;
const sitemapIndex = (base: string) => `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>${base}/sitemap.xml</loc></sitemap><sitemap><loc>${base}/broken-sitemap.xml</loc></sitemap></sitemapindex>`;

describe('fetching feeds and pages named to index (a real HTTP server on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  const agents: string[] = [];
  const times: number[] = [];
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      agents.push(request.headers['user-agent'] ?? '');
      times.push(Date.now());
      paths.push(request.url ?? '');
      switch (request.url) {
        case '/summaries':
          return response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Brief Wire</title>
<item><title>Talks resume</title><link>${base}/story/1</link><description>Talks resumed.</description></item>
<item><title>Gone story</title><link>${base}/story/404</link><description>A story since removed.</description></item>
<item><title>Full story</title><link>${base}/story/full</link><content:encoded>The feed carries this one whole.</content:encoded></item>
</channel></rss>`);
        case '/story/1':
          return response.writeHead(200, { 'content-type': 'text/html' }).end(NEWS_PAGE(1).replace('Story 1 of the day', 'Negotiators from both sides met in Cairo on Friday; Story 1 of the day'));
        case '/sitemap.xml':
          return response.writeHead(200, { 'content-type': 'application/xml' }).end(sitemap(base));
        case '/sitemap-index.xml':
          return response.writeHead(200, { 'content-type': 'application/xml' }).end(sitemapIndex(base));
        case '/broken-sitemap.xml':
          return response.writeHead(200, { 'content-type': 'application/xml' }).end('<urlset><url><loc>cut');
        case '/news/1':
        case '/news/2':
          return response.writeHead(200, { 'content-type': 'text/html' }).end(NEWS_PAGE(Number(request.url.slice(-1))));
        case '/feed':
          return response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
        case '/feed-as-text':
          return response.writeHead(200, { 'content-type': 'text/plain' }).end(FEED);
        case '/page':
          return response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        case '/moved':
          return response.writeHead(301, { location: '/page' }).end();
        case '/loop':
          return response.writeHead(302, { location: '/loop' }).end();
        case '/elsewhere':
          return response.writeHead(302, { location: 'ftp://127.0.0.1/file' }).end();
        case '/big':
          // 20 MB, sent without a length: the limit must hold while reading.
          response.writeHead(200, { 'content-type': 'text/html' });
          for (let i = 0; i < 20; i++) response.write(Buffer.alloc(1024 * 1024, 'a'));
          return response.end();
        case '/slow':
          return void setTimeout(() => response.writeHead(200).end(PAGE), 5_000).unref();
        case '/latin1':
          return response.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.from([0x3c, 0x70, 0x3e, 0xe9, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]));
        default:
          return response.writeHead(404, 'Not Found').end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a feed’s items and a page’s article, following a redirect, naming newsq as the agent, a second apart', async () => {
    times.length = 0;
    const source = await fetchSources([`${base}/feed`, `${base}/feed-as-text`, `${base}/moved`]);
    // Four requests to one host (the redirect is one): never two within a second.
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(950);
    expect(source.origin).toBeNull();
    expect(source.skipped).toEqual([]);
    expect(source.articles.map((a) => [a.id, a.title, a.source, a.published])).toEqual([
      ['talks-1', 'Talks resume in Cairo', 'Loopback Wire', '2024-03-01'],
      ['talks-1', 'Talks resume in Cairo', 'Loopback Wire', '2024-03-01'],
      [`${base}/page`, 'Ceasefire proposal', 'Loopback Daily', null],
    ]);
    expect(source.articles[2].url).toBe(`${base}/page`);
    expect(source.articles[2].text.trim()).toBe('Mediators put forward a proposal on Thursday.');
    expect(agents.every((agent) => agent === USER_AGENT && /^newsq\/\d/.test(agent))).toBe(true);
  });

  it('reports and skips what cannot be fetched or read, and reads the rest', async () => {
    const limits = { timeoutMs: 1_000, maxBytes: 1024 * 1024, maxRedirects: 3, hostIntervalMs: 0 };
    const names = ['/loop', '/elsewhere', '/big', '/slow', '/gone', '/latin1', '/page'].map((path) => `${base}${path}`);
    const started = performance.now();
    const source = await fetchSources([...names, 'ftp://127.0.0.1/feed.xml'], limits);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(source.articles.map((a) => a.title)).toEqual(['Ceasefire proposal']);
    expect(source.skipped).toEqual([
      { path: `${base}/loop`, reason: 'more than 3 redirects' },
      { path: `${base}/elsewhere`, reason: 'only http and https addresses are fetched, not ftp:' },
      { path: `${base}/big`, reason: 'larger than 1 MB' },
      { path: `${base}/slow`, reason: 'no answer within 1 s' },
      { path: `${base}/gone`, reason: 'the server answered 404 Not Found' },
      { path: `${base}/latin1`, reason: 'not valid UTF-8 text' },
      { path: 'ftp://127.0.0.1/feed.xml', reason: 'only http and https addresses are fetched, not ftp:' },
    ]);
  });

  it('fetches the pages a news sitemap lists, a sitemap index’s sitemaps, and a sitemap file named directly', async () => {
    const limits = { timeoutMs: 2_000, maxBytes: 1024 * 1024, maxRedirects: 3, hostIntervalMs: 0 };
    const source = await fetchSources([`${base}/sitemap-index.xml`], limits);
    expect(source.articles.map((a) => [a.id, a.title, a.source, a.published])).toEqual([
      [`${base}/news/1`, 'First story', 'Loopback Times', '2024-03-02'],
      [`${base}/news/2`, null, null, null],
    ]);
    expect(source.articles[1].text.trim()).toBe('Story 2 of the day, told in full.');
    expect(source.skipped.map((s) => s.path)).toEqual([`${base}/gone`, `${base}/broken-sitemap.xml`]);
    expect(source.skipped[1].reason).toMatch(/^not a well-formed sitemap: /);

    const file = join(tempDir(), 'sitemap.xml');
    writeFileSync(file, sitemap(base));
    const [fromFile] = await sourcesOf([file], { limits });
    expect(fromFile.articles.map((a) => a.id)).toEqual([`${base}/news/1`, `${base}/news/2`]);
  });

  it('fetches the pages of feed items that carry only a summary, with --fetch-pages', async () => {
    const limits = { timeoutMs: 2_000, maxBytes: 1024 * 1024, maxRedirects: 3, hostIntervalMs: 0 };
    paths.length = 0;
    const [source] = await sourcesOf([`${base}/summaries`], { fetchPages: true, limits });
    expect(source.articles.map((a) => [a.title, a.text.trim(), a.source])).toEqual([
      ['Talks resume', 'Negotiators from both sides met in Cairo on Friday; Story 1 of the day, told in full.', 'Brief Wire'],
      ['Gone story', 'A story since removed.', 'Brief Wire'],
      ['Full story', 'The feed carries this one whole.', 'Brief Wire'],
    ]);
    expect(source.skipped).toEqual([{ path: `${base}/story/404`, reason: 'page not fetched (the server answered 404 Not Found); the item is indexed with its summary' }]);
    // The item the feed carries whole is not fetched.
    expect(paths).toEqual(['/summaries', '/story/1', '/story/404']);
    // Without the flag, no page is fetched.
    paths.length = 0;
    await sourcesOf([`${base}/summaries`], { limits });
    expect(paths).toEqual(['/summaries']);
  });

  it('tells web addresses from paths', () => {
    expect(['https://a.example/feed', 'HTTP://A', 'ftp://x/y'].every(isUrl)).toBe(true);
    expect(['data/articles', './feed.xml', 'C:\\news', 'notes:today.txt'].some(isUrl)).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads seconds or an HTTP date, and nothing else', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 5 ', now)).toBe(5_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 10:02:00 GMT', now)).toBe(120_000);
    // A date already past asks for no wait.
    expect(retryAfterMs('Thu, 03 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
