import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { sourcesOf } from '../src/fetch-sources.js';
import { readWarc } from '../src/read-warc.js';
import type { ArticleInput } from '../src/ingest/article.js';
import type { SyncSource } from '../src/sync.js';
import { createFakeEmbedder } from './helpers/fake-embedder.js';
import { tempDir } from './helpers/fixtures.js';

const encoder = new TextEncoder();

function page(title: string, body: string, meta = ''): string {
  return `<html><head><title>${title}</title>${meta}</head><body><article><p>${body}</p></article></body></html>`;
}

/** One WARC record, serialized (a gzip member of its own when `gzip`). */
async function record(gzip: boolean, options: { type: 'response' | 'request' | 'metadata'; url: string; date?: string; status?: string; contentType?: string; body: string }): Promise<Uint8Array> {
  const http = options.type === 'metadata' ? {} : { httpHeaders: { 'Content-Type': options.contentType ?? 'text/html; charset=utf-8' }, statusline: options.type === 'request' ? 'GET / HTTP/1.1' : `HTTP/1.1 ${options.status ?? '200 OK'}` };
  const created = WARCRecord.create({ url: options.url, date: options.date ?? '2024-03-04T12:00:00Z', type: options.type, warcVersion: 'WARC/1.1', ...http }, [encoder.encode(options.body)]);
  return WARCSerializer.serialize(created, { gzip });
}

async function archive(gzip: boolean): Promise<Buffer> {
  const info = await WARCSerializer.serialize(WARCRecord.createWARCInfo({ filename: 'news.warc', warcVersion: 'WARC/1.1' }, { software: 'test' }), { gzip });
  const records = [
    info,
    await record(gzip, { type: 'request', url: 'https://news.example/1', body: '' }),
    await record(gzip, { type: 'response', url: 'https://news.example/1', body: page('Talks resume', 'Negotiators met in Cairo.', '<meta property="og:site_name" content="Example News">') }),
    await record(gzip, { type: 'response', url: 'https://news.example/logo.png', contentType: 'image/png', body: 'PNG' }),
    await record(gzip, { type: 'response', url: 'https://news.example/old', status: '404 Not Found', body: page('Not found', 'Gone.') }),
    await record(gzip, { type: 'metadata', url: 'https://news.example/1', body: 'outlinks: none' }),
    await record(gzip, { type: 'response', url: 'https://news.example/2', body: page('Grain prices fall', 'Wheat futures dropped.', '<meta property="article:published_time" content="2024-02-28T08:00:00Z">') }),
    // The first page again, captured later with a new headline: the later capture counts.
    await record(gzip, { type: 'response', url: 'https://news.example/1', date: '2024-03-05T09:00:00Z', body: page('Talks resume in Cairo', 'Negotiators met in Cairo again.') }),
  ];
  const last = await record(gzip, { type: 'response', url: 'https://news.example/3', body: page('Cut short', 'This record is truncated.') });
  // The last record cut in the middle, as a crawl killed mid-write leaves it.
  return Buffer.concat([...records, last.subarray(0, Math.floor(last.length / 2))]);
}

/** Every article of a source, those it streams included (after which its `skipped` is complete). */
async function allArticles(source: SyncSource): Promise<ArticleInput[]> {
  const articles = [...source.articles];
  for await (const batch of source.more ?? []) articles.push(...batch);
  return articles;
}

describe('reading web archives (WARC)', () => {
  it.each([true, false])('keeps the article pages of a WARC (gzip members: %s), counts the other records, and stops at a truncated one', async (gzip) => {
    const file = join(tempDir(), gzip ? 'crawl.warc.gz' : 'crawl.warc');
    writeFileSync(file, await archive(gzip));
    const source = readWarc(file);
    expect(source.origin).toBe(file);
    const articles = await allArticles(source);
    expect(articles.map((a) => [a.id, a.title, a.source, a.published, a.url])).toEqual([
      ['https://news.example/2', 'Grain prices fall', null, '2024-02-28', 'https://news.example/2'],
      ['https://news.example/1', 'Talks resume in Cairo', null, '2024-03-05', 'https://news.example/1'],
    ]);
    expect(articles[1].text.trim()).toBe('Negotiators met in Cairo again.');
    const name = gzip ? 'crawl.warc.gz' : 'crawl.warc';
    expect(source.skipped).toEqual([
      { path: `${name}#9`, reason: expect.stringMatching(/^truncated or malformed record \(.+\): the rest of the file was not read$/) },
      { path: name, reason: 'records that are not article pages: 1 warcinfo, 1 request, 1 non-HTML response, 1 non-2xx response, 1 metadata' },
    ]);
  });

  it('is read when named to index, and inside a folder as part of it', async () => {
    const dir = tempDir();
    const file = join(dir, 'crawl.warc.gz');
    writeFileSync(file, await archive(true));
    const [named] = await sourcesOf([file]);
    expect((await allArticles(named)).map((a) => a.id)).toEqual(['https://news.example/2', 'https://news.example/1']);

    const folder = join(dir, 'archive');
    mkdirSync(join(folder, 'crawls'), { recursive: true });
    writeFileSync(join(folder, 'crawls', 'march.warc.gz'), await archive(true));
    writeFileSync(join(folder, 'note.txt'), 'A note\n\nFiled beside the crawl.');
    const sources = await sourcesOf([folder]);
    // One source, the folder's: a later sync of it mirrors the archive's pages too.
    expect(sources).toHaveLength(1);
    expect(sources[0].origin).toBe(folder);
    expect((await allArticles(sources[0])).map((a) => [a.id, a.path])).toEqual([
      ['note.txt', 'note.txt'],
      ['https://news.example/2', 'crawls/march.warc.gz'],
      ['https://news.example/1', 'crawls/march.warc.gz'],
    ]);
    expect(sources[0].skipped.map((s) => s.path)).toEqual(['crawls/march.warc.gz#9', 'crawls/march.warc.gz']);
  });

  it('is synced a batch at a time: every page indexed once, a page captured again in a later batch from its later capture, nothing again on a re-run', async () => {
    const dir = tempDir();
    const file = join(dir, 'large.warc.gz');
    const records: Uint8Array[] = [];
    for (let n = 0; n < 250; n++) records.push(await record(true, { type: 'response', url: `https://news.example/${n}`, body: page(`Story ${n}`, `The full text of story number ${n}.`) }));
    records.push(await record(true, { type: 'response', url: 'https://news.example/5', body: page('Story 5, corrected', 'The corrected text of story five.') }));
    writeFileSync(file, Buffer.concat(records));
    const engine = await createEngine(resolveConfig({}, { indexDir: join(dir, 'index') }), { writable: true, embedder: createFakeEmbedder() });
    try {
      const first = await engine.sync(await sourcesOf([file]));
      expect(first).toMatchObject({ articles: 250, added: 250, updated: 0, skipped: [] });
      expect((await engine.article('https://news.example/5'))?.paragraphs).toEqual(['The corrected text of story five.']);
      const again = await engine.sync(await sourcesOf([file]));
      expect(again).toMatchObject({ articles: 250, added: 0, updated: 0, unchanged: 250, embedded: 0 });
    } finally {
      await engine.close();
    }
  });
});
