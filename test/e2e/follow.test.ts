import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { ROOT } from '../helpers/fixtures.js';
import { FRESH_CONNECTION, withServer } from '../helpers/server.js';

const BIN = join(ROOT, 'bin', 'newsq.js');

/** `newsq follow` as a process, with the lines it has printed and a wait for the next that matches. */
function follow(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'follow', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    lines.push(...complete);
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  return {
    child,
    lines,
    /** The first line from `from` on that matches, within `ms`. */
    async line(pattern: RegExp, from = 0, ms = 60_000): Promise<{ text: string; index: number }> {
      const deadline = Date.now() + ms;
      for (;;) {
        const index = lines.findIndex((line, i) => i >= from && pattern.test(line));
        if (index >= 0) return { text: lines[index], index };
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no line matching ${pattern}: ${lines.join('\n')}\n${errors}`);
        await sleep(50);
      }
    },
    exited: () => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)))),
  };
}

describe('newsq follow (real processes, real model, a feed served on 127.0.0.1)', () => {
  let server: FeedServer;
  let work: string;
  let index: string;

  beforeAll(async () => {
    server = await startFeedServer('Loopback Wire');
    work = mkdtempSync(join(tmpdir(), 'newsq-follow-'));
    index = join(work, 'index');
    server.items.push(
      { id: 'wire-1', title: 'Talks resume in Cairo', text: 'Negotiators from both sides met again in Cairo on Friday to discuss a ceasefire and the release of hostages.' },
      { id: 'wire-2', title: 'Aid trucks cross at Kerem Shalom', text: 'Forty trucks carrying flour and medicine crossed into Gaza at Kerem Shalom, the United Nations said.' },
    );
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('indexes the feed, picks up an added item within one poll, and after a kill resumes without fetching or indexing again', async () => {
    const first = follow([server.feed, '--every', '1s', '--index-dir', index]);
    try {
      const read = await first.line(/2 of 2 items new or changed: 2 added/, 0, 120_000);
      const pushed = server.requestsTo('/feed').length;
      server.items.push({ id: 'wire-3', title: 'Zanzibar ferry strike ends', text: 'Ferry crews in Zanzibar ended a week-long strike after the port authority agreed to raise their pay.' });
      server.touch();
      await first.line(/1 of 3 items new or changed: 1 added, 0 updated/, read.index + 1, 10_000);
      // The very next poll of the feed read the new item: the first request after it changed got
      // the feed, not a 304 (a poll already on its way when the item came may print first).
      expect(server.requestsTo('/feed')[pushed].status).toBe(200);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited();
    }
    const before = server.requestsTo('/feed').length;

    const second = follow([server.feed, '--every', '1s', '--index-dir', index]);
    try {
      await second.line(/not modified/, 0, 120_000);
      const asked = server.requestsTo('/feed').slice(before);
      expect(asked.length).toBeGreaterThan(0);
      for (const request of asked) expect(request).toMatchObject({ status: 304, ifNoneMatch: expect.stringMatching(/^"/) });
      expect(second.lines.some((line) => /new or changed:/.test(line))).toBe(false);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited()).toBe(0);
    }

    const query = spawnSync(process.execPath, [BIN, 'query', 'Did the ferry workers in Zanzibar stop striking?', '--index-dir', index, '--json', '--k', '1'], { encoding: 'utf8', timeout: 120_000 });
    expect(query.status, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout).results[0].article).toMatchObject({ id: 'wire-3', title: 'Zanzibar ferry strike ends', url: `${server.base}/story/wire-3`, source: 'Loopback Wire' });
  }, 300_000);

  it('serve follows the feeds of its config: an item added to the feed is found by a search', async () => {
    const config = join(work, 'newsq.config.json');
    writeFileSync(config, JSON.stringify({ follow: { feeds: [server.feed], every: '1s' } }));
    await withServer(['serve', '--index-dir', index, '--port', '0'], { NEWSQ_CONFIG: config }, async (url) => {
      server.items.push({ id: 'wire-4', title: 'Quinoa tariff lifted', text: 'Bolivia lifted its export tariff on quinoa, traders in La Paz said on Monday.' });
      server.touch();
      const deadline = Date.now() + 20_000;
      let top: { article: { id: string } } | undefined;
      while (Date.now() < deadline) {
        const response = await fetch(`${url}/search?q=${encodeURIComponent('quinoa export tariff Bolivia')}&k=1`, { headers: FRESH_CONNECTION });
        top = ((await response.json()) as { results: { article: { id: string } }[] }).results[0];
        if (top?.article.id === 'wire-4') break;
        await sleep(250);
      }
      expect(top?.article.id).toBe('wire-4');
    });
  }, 300_000);

  it('refuses a bad interval or no feed at all, naming the fix', () => {
    // A folder with no newsq.config.json, so no feeds from a config.
    const cwd = mkdtempSync(join(work, 'empty-'));
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'follow', ...args], { encoding: 'utf8', timeout: 30_000, cwd });
    const badEvery = run([server.feed, '--every', '5 minutes']);
    expect(badEvery.status).toBe(2);
    expect(badEvery.stderr).toContain('--every must be a duration of at least 1s, such as 30s, 5m or 1h');
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('name a feed to follow, or list them in follow.feeds of newsq.config.json');
  });
});
