import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createEngine, type Engine } from '../src/engine.js';
import { FETCH_LIMITS } from '../src/fetch-sources.js';
import { backoffMs, followFeeds, pollFeed, type FollowOptions, type PollReport } from '../src/follow.js';
import { createFakeEmbedder } from './helpers/fake-embedder.js';
import { garbage, silence, startFeedServer, unavailable, type FeedServer } from './helpers/feed-server.js';
import { tempDir } from './helpers/fixtures.js';

// Short enough for tests; the host interval stays newsq's own second.
const limits = { ...FETCH_LIMITS, timeoutMs: 1000 };
const options: FollowOptions = { everyMs: 1000, limits };

/** A reading engine over a new SQLite index, as serve holds: each write takes the lock. */
async function openEngine(dir: string, embedder = createFakeEmbedder()): Promise<Engine> {
  const config = resolveConfig({}, { indexDir: dir });
  await (await createEngine(config, { writable: true, embedder })).close();
  return createEngine(config, { writable: false, embedder });
}

async function titlesFound(engine: Engine, question: string): Promise<string[]> {
  const { results } = await engine.search({ query: question, k: 10, mode: 'lexical' });
  return results.map((result) => result.article.title ?? '');
}

describe('following a feed, one poll at a time (real SQLite index, real HTTP server on 127.0.0.1)', () => {
  let server: FeedServer;
  let engine: Engine;
  let dir: string;
  const embedder = createFakeEmbedder();

  beforeEach(async () => {
    server = await startFeedServer();
    dir = tempDir();
    engine = await openEngine(dir, embedder);
    server.items.push({ id: 'talks-1', title: 'Talks resume in Cairo', text: 'Negotiators met again in Cairo on Friday.' }, { id: 'aid-1', title: 'Aid trucks cross', text: 'Forty aid trucks crossed at Kerem Shalom.' });
  });
  afterEach(async () => {
    await engine.close();
    await server.close();
  });

  const poll = async () => pollFeed(engine, server.feed, await engine.feedState(server.feed), options);

  it('indexes every item at first, then only new and changed ones; an unchanged feed costs a 304', async () => {
    const first = await poll();
    expect(first).toMatchObject({ outcome: 'read', items: 2, changed: 2, summary: { added: 2, updated: 0 } });
    expect(server.requestsTo('/feed')[0]).toMatchObject({ ifNoneMatch: null, ifModifiedSince: null, status: 200 });
    expect(await titlesFound(engine, 'Cairo negotiators')).toEqual(['Talks resume in Cairo']);

    const embedded = embedder.embedded;
    const unchanged = await poll();
    expect(unchanged).toMatchObject({ outcome: 'not-modified', items: 2, changed: 0 });
    expect(server.requestsTo('/feed')[1]).toMatchObject({ ifNoneMatch: expect.stringMatching(/^"/), ifModifiedSince: 'Fri, 01 Mar 2024 10:00:00 GMT', status: 304 });
    expect(embedder.embedded).toBe(embedded);

    // One item added, one changed, one as it was.
    server.items.push({ id: 'rafah-1', title: 'Rafah crossing opens', text: 'The Rafah crossing opened for the wounded.' });
    server.items[1].text = 'Sixty aid trucks crossed at Kerem Shalom.';
    server.touch();
    const changed = await poll();
    expect(changed).toMatchObject({ outcome: 'read', items: 3, changed: 2, summary: { added: 1, updated: 1, unchanged: 0 } });
    expect(await titlesFound(engine, 'Rafah')).toEqual(['Rafah crossing opens']);
    expect((await engine.article('aid-1'))?.paragraphs).toEqual(['Sixty aid trucks crossed at Kerem Shalom.']);

    // A server that sends no validators sends the whole feed: nothing in it is new.
    server.setValidators(false);
    const before = embedder.embedded;
    expect(await poll()).toMatchObject({ outcome: 'read', items: 3, changed: 0, summary: { added: 0, updated: 0 } });
    expect(server.requestsTo('/feed').at(-1)?.status).toBe(200);
    expect(embedder.embedded).toBe(before);
    // An item that left the feed stays indexed.
    server.items.splice(0, 1);
    expect(await poll()).toMatchObject({ outcome: 'read', items: 2, changed: 0 });
    expect(await engine.article('talks-1')).not.toBeNull();
  });

  it('survives a 503 with Retry-After, garbage, a timeout and a redirect loop, backing off and keeping what it had', async () => {
    await poll();
    const items = (await engine.feedState(server.feed))!.items;
    const failing: [(response: import('node:http').ServerResponse) => void, RegExp][] = [
      [unavailable(120), /the server answered 503/],
      [garbage, /not a well-formed feed/],
      [silence, /no answer within 1 s/],
      [(response) => void response.writeHead(302, { location: '/feed' }).end(), /more than 5 redirects/],
      [(response) => void response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Maintenance</body></html>'), /not an RSS or Atom feed/],
    ];
    for (const [i, [answer, error]] of failing.entries()) {
      // The redirect loop asks six times.
      for (let n = 0; n < 6; n++) server.answers.push(answer);
      const started = Date.now();
      const report = await poll();
      server.answers.length = 0;
      expect(report).toMatchObject({ outcome: 'failed', error: expect.stringMatching(error) });
      const state = (await engine.feedState(server.feed))!;
      expect(state).toMatchObject({ failures: i + 1, error: report.error, items });
      // The first failure waits what the server asked (120 s); later ones back off, doubling.
      if (i === 0) expect(state.dueAt - started).toBeGreaterThanOrEqual(120_000);
      else expect(state.dueAt - started).toBeGreaterThanOrEqual(backoffMs(i + 1, options.everyMs, null) - 50);
    }
    server.items.push({ id: 'rafah-1', title: 'Rafah crossing opens', text: 'The Rafah crossing opened for the wounded.' });
    server.touch();
    expect(await poll()).toMatchObject({ outcome: 'read', changed: 1, summary: { added: 1 } });
    expect(await engine.feedState(server.feed)).toMatchObject({ failures: 0, error: null });
  }, 30_000);

  it('fetches the pages of summarised items; one too large is indexed with its summary and tried again next poll', async () => {
    server.items.length = 0;
    server.items.push({ id: 'talks-1', title: 'Talks resume', text: 'Talks resumed.' }, { id: 'huge', title: 'A huge page', text: 'Summary only.' });
    server.routes.set('/story/talks-1', (_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><article><p>Negotiators from both sides met in Cairo on Friday to resume talks.</p></article></body></html>'),
    );
    server.routes.set('/story/huge', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      for (let i = 0; i < 20; i++) response.write(Buffer.alloc(1024 * 1024, 'a'));
      response.end();
    });
    const first = await pollFeed(engine, server.feed, null, { ...options, fetchPages: true });
    expect(first).toMatchObject({ outcome: 'read', changed: 2, summary: { added: 2 } });
    expect(first.skipped).toEqual([{ path: `${server.base}/story/huge`, reason: expect.stringContaining('larger than 16 MB') }]);
    expect((await engine.article('talks-1'))?.paragraphs.join(' ')).toContain('Negotiators from both sides met in Cairo');
    expect((await engine.article('huge'))?.paragraphs).toEqual(['Summary only.']);
    // Unchanged feed sent whole: the page fetched is not fetched again, the failed one is.
    server.setValidators(false);
    const second = await pollFeed(engine, server.feed, await engine.feedState(server.feed), { ...options, fetchPages: true });
    expect(second).toMatchObject({ outcome: 'read', changed: 1 });
    expect(server.requestsTo('/story/talks-1')).toHaveLength(1);
    expect(server.requestsTo('/story/huge')).toHaveLength(2);
  }, 30_000);

  it('follows a feed file, read again only when it changes', async () => {
    const file = join(dir, 'wire.xml');
    const write = (extra: string) =>
      writeFileSync(file, `<rss version="2.0"><channel><title>File Wire</title><item><guid>f-1</guid><title>Ceasefire talks</title><description>Talks in Doha.</description></item>${extra}</channel></rss>`);
    write('');
    expect(await pollFeed(engine, file, null, options)).toMatchObject({ outcome: 'read', changed: 1 });
    expect(await pollFeed(engine, file, await engine.feedState(file), options)).toMatchObject({ outcome: 'not-modified' });
    write('<item><guid>f-2</guid><title>Border reopens</title><description>The border reopened.</description></item>');
    expect(await pollFeed(engine, file, await engine.feedState(file), options)).toMatchObject({ outcome: 'read', items: 2, changed: 1 });
  });
});

describe('following feeds over time', () => {
  it('picks up an added item within one poll, spaces requests to a host, waits out Retry-After, and a slow host stops no other', async () => {
    const healthy = await startFeedServer('Healthy Wire');
    const slow = await startFeedServer('Slow Wire');
    const dir = tempDir();
    const engine = await openEngine(dir);
    const reports: PollReport[] = [];
    healthy.items.push({ id: 'h-1', title: 'Talks resume in Cairo', text: 'Negotiators met in Cairo.' });
    slow.items.push({ id: 's-1', title: 'Never read', text: 'This host never answers in time.' });
    for (let i = 0; i < 20; i++) slow.answers.push(silence);
    healthy.answers.push(unavailable(2));
    const follower = followFeeds(engine, [healthy.feed, slow.feed], { ...options, onPoll: (report) => reports.push(report) });
    try {
      const until = async (check: () => boolean | Promise<boolean>, ms: number) => {
        const deadline = Date.now() + ms;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${JSON.stringify(reports.map((r) => [r.feed, r.outcome, r.changed, r.error]))}`);
          await sleep(50);
        }
      };
      await until(() => reports.some((r) => r.feed === healthy.feed && r.outcome === 'read'), 10_000);
      const [refused, read] = healthy.requestsTo('/feed');
      expect(refused.status).toBe(503);
      expect(read.at - refused.at).toBeGreaterThanOrEqual(2000);
      expect(reports.some((r) => r.feed === slow.feed && r.outcome === 'failed' && /no answer within 1 s/.test(r.error ?? ''))).toBe(true);

      // Added while followed: indexed by the next poll, one interval later.
      const polls = reports.filter((r) => r.feed === healthy.feed).length;
      healthy.items.push({ id: 'h-2', title: 'Rafah crossing opens', text: 'The crossing opened for the wounded.' });
      await until(() => reports.filter((r) => r.feed === healthy.feed).length > polls, 5_000);
      expect(reports.filter((r) => r.feed === healthy.feed).at(-1)).toMatchObject({ outcome: 'read', changed: 1, summary: { added: 1 } });
      expect(await titlesFound(engine, 'Rafah')).toEqual(['Rafah crossing opens']);
      const times = healthy.requests.map((request) => request.at);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    } finally {
      await follower.stop();
      await engine.close();
      await healthy.close();
      await slow.close();
    }
  }, 30_000);

  it('resumes from the state in the index: after a restart an unchanged feed is asked conditionally, and nothing is indexed again', async () => {
    const server = await startFeedServer();
    server.items.push({ id: 'talks-1', title: 'Talks resume in Cairo', text: 'Negotiators met in Cairo.' });
    const dir = tempDir();
    const embedder = createFakeEmbedder();
    let engine = await openEngine(dir, embedder);
    const first = await pollFeed(engine, server.feed, await engine.feedState(server.feed), options);
    expect(first.outcome).toBe('read');
    await engine.close();

    engine = await openEngine(dir, embedder);
    const embedded = embedder.embedded;
    const reports: PollReport[] = [];
    const started = Date.now();
    const follower = followFeeds(engine, [server.feed], { ...options, onPoll: (report) => reports.push(report) });
    while (reports.length === 0 && Date.now() - started < 5000) await sleep(50);
    await follower.stop();
    await engine.close();
    await server.close();
    // Not asked before it was due, then asked with its validators.
    expect(reports[0]).toMatchObject({ outcome: 'not-modified' });
    const [, again] = server.requestsTo('/feed');
    expect(again).toMatchObject({ status: 304, ifNoneMatch: expect.any(String) });
    expect(again.at).toBeGreaterThanOrEqual(first.dueAt - 5);
    expect(embedder.embedded).toBe(embedded);
  }, 15_000);

  it('stops without waiting for a host that does not answer, and records nothing for the abandoned poll', async () => {
    const server = await startFeedServer();
    server.answers.push(silence);
    const dir = tempDir();
    const engine = await openEngine(dir);
    const reports: PollReport[] = [];
    const follower = followFeeds(engine, [server.feed], { everyMs: 1000, limits: { ...FETCH_LIMITS, timeoutMs: 60_000 }, onPoll: (report) => reports.push(report) });
    while (server.requests.length === 0) await sleep(20);
    const stopping = Date.now();
    await follower.stop();
    // Well before the request's own 60 s limit.
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(reports).toEqual([]);
    expect(await engine.feedState(server.feed)).toBeNull();
    await engine.close();
    await server.close();
  }, 30_000);
});
