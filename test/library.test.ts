import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNewsqError, NewsqError, openNewsq } from '../src/index.js';
import { SAMPLES, tempDir } from './helpers/fixtures.js';

describe('newsq as a library', () => {
  it('creates an index, adds articles, searches them, removes one, and serves them as a Hono app', async () => {
    const indexDir = join(tempDir(), 'index');
    const newsq = await openNewsq({ settings: { indexDir } });
    try {
      const added = await newsq.add([
        { id: 'wire-1', title: 'Egypt warns against a Rafah offensive', source: 'Example Wire', published: '2024-02-12', text: 'Egypt fears a ground offensive in Rafah would push Palestinians into Sinai.' },
        { title: 'Markets close higher', body: 'Stocks rose on Tuesday as technology shares gained.' },
      ]);
      expect(added).toMatchObject({ added: 2, ids: ['wire-1', expect.stringMatching(/^api\//)] });
      const byText = await newsq.search('why does Egypt oppose a Rafah offensive');
      expect(byText.results[0].article.id).toBe('wire-1');
      const narrowed = await newsq.search({ query: 'stocks', source: 'example wire', outlets: true });
      expect(narrowed.results.map((r) => r.article.id)).toEqual(['wire-1']);
      expect(narrowed.coverage?.outlets).toEqual([{ source: 'Example Wire', count: 1 }]);

      const api = newsq.app();
      const response = await api.request(`/search?q=${encodeURIComponent('Rafah')}&k=1`);
      expect(((await response.json()) as { results: { article: { id: string } }[] }).results[0].article.id).toBe('wire-1');

      expect(await newsq.remove(['wire-1', 'nope'])).toEqual(['wire-1']);
      expect(await newsq.article('wire-1')).toBeNull();
      expect((await newsq.stats()).articles).toBe(1);
    } finally {
      await newsq.close();
    }
  });

  it('indexes files and folders as newsq index does, into the same index when opened again', async () => {
    const indexDir = join(tempDir(), 'index');
    const first = await openNewsq({ settings: { indexDir } });
    const summary = await first.index([SAMPLES]);
    await first.close();
    expect(summary).toMatchObject({ articles: 5, added: 5, skipped: [] });
    const again = await openNewsq({ settings: { indexDir }, create: false });
    try {
      expect((await again.stats()).passages).toBe(96);
      expect((await again.index([SAMPLES])).unchanged).toBe(5);
    } finally {
      await again.close();
    }
  });

  it('indexes a feed at a web address, its items searchable at once (a real server on 127.0.0.1)', async () => {
    const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Wire</title>
<item><title>Talks resume in Cairo</title><link>http://wire.test/talks</link><guid>talks-1</guid><description>Negotiators from Israel and Hamas met again in Cairo on Friday.</description></item>
<item><title>Grain prices fall</title><link>http://wire.test/grain</link><description>Wheat futures dropped for a third week.</description></item>
</channel></rss>`;
    const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const newsq = await openNewsq({ settings: { store: { kind: 'memory' } } });
    try {
      const summary = await newsq.index([`http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`]);
      expect(summary).toMatchObject({ added: 2, skipped: [] });
      const { results } = await newsq.search({ query: 'where did the negotiators meet', k: 1 });
      expect(results[0].article).toMatchObject({ id: 'talks-1', url: 'http://wire.test/talks', source: 'Loopback Wire' });
    } finally {
      await newsq.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails with a NewsqError naming what is wrong', async () => {
    const missing = openNewsq({ settings: { indexDir: join(tempDir(), 'none') }, create: false });
    await expect(missing).rejects.toSatisfy((error) => isNewsqError(error, 'no_index'));
    await expect(openNewsq({ settings: { search: { denseWeight: 2 } } })).rejects.toThrow(new NewsqError('bad_request', 'search.denseWeight Too big: expected number to be <=1'));

    const newsq = await openNewsq({ settings: { store: { kind: 'memory' } } });
    try {
      await expect(newsq.add([{ id: 'a', text: 'fine' }, { id: 'b', title: 7 as unknown as string, text: 'x' }])).rejects.toThrow(new NewsqError('bad_request', '[1].title must be a string or null'));
      expect((await newsq.stats()).articles).toBe(0);
      await expect(newsq.search({ query: 'Rafah', k: 500 })).rejects.toThrow(new NewsqError('bad_request', 'k must be an integer from 1 to 100'));
      await expect(newsq.search('  ')).rejects.toThrow(new NewsqError('bad_request', 'query must not be empty'));
    } finally {
      await newsq.close();
    }
  });
});
