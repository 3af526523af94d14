import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES } from '../helpers/fixtures.js';
import { getJson, withServer } from '../helpers/server.js';

const BIN = join(ROOT, 'bin', 'newsq.js');
const QUESTION = 'why does Egypt oppose a Rafah offensive';
// Passages that give Egypt's reasons: refugees forced into Sinai, "liquidate" the cause, or the humanitarian toll.
const EGYPT_REASONS = [/forced to flee across the border into its Sinai/, /would “liquidate” the Palestinian cause/, /like Egypt .* fear that ground operations in Rafah/];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI, as a user runs it, in a child process. */
function newsq(args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('newsq CLI end to end, with the real model', () => {
  let work: string;
  let articles: string;
  let index: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'newsq-e2e-'));
    articles = join(work, 'articles');
    index = join(work, 'index');
    cpSync(SAMPLES, articles, { recursive: true });
    writeFileSync(join(articles, 'empty.txt'), '');
    writeFileSync(join(articles, 'photo.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]));
    writeFileSync(join(articles, 'feed.jsonl'), '{"id":"wire-1","title":"Wire","text":"Qatar hosted a new round of talks on Sunday.","source":"AFP","published":"2024-03-03"}\n{oops\n');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('indexes a folder, reporting unreadable files and indexing the rest', () => {
    const run = newsq(['index', articles, '--index-dir', index, '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe(''); // --json: the summary and nothing else
    const summary = JSON.parse(run.stdout);
    expect(Object.keys(summary).sort()).toEqual(['added', 'articles', 'embedded', 'removed', 'seconds', 'skipped', 'skippedCount', 'unchanged', 'updated']);
    expect(summary).toMatchObject({ articles: 6, added: 6, updated: 0, removed: 0, unchanged: 0, skippedCount: 3 });
    expect(summary.embedded).toBeGreaterThan(90);
    expect(summary.skipped).toEqual([
      { path: 'empty.txt', reason: 'empty file' },
      { path: 'feed.jsonl:2', reason: expect.stringMatching(/^invalid JSON/) },
      { path: 'photo.txt', reason: 'binary file (contains NUL bytes)' },
    ]);
  });

  it('answers the Egypt question with a passage giving its reasons, with sources', () => {
    const run = newsq(['query', QUESTION, '--index-dir', index, '--json', '--k', '5']);
    expect(run.status, run.stderr).toBe(0);
    const response = JSON.parse(run.stdout);
    expect(response.query).toBe(QUESTION);
    expect(response.results).toHaveLength(5);
    const answer = response.results.find((result: { text: string }) => EGYPT_REASONS.some((pattern) => pattern.test(result.text)));
    expect(answer, JSON.stringify(response.results.map((r: { text: string }) => r.text), null, 1)).toBeDefined();
    expect(answer.article).toEqual({
      id: expect.any(String),
      title: expect.any(String),
      source: 'The National',
      published: expect.anything(),
      path: expect.stringMatching(/\.txt$/),
      url: null,
    });
    expect(Number.isInteger(answer.paragraph)).toBe(true);
    for (const result of response.results) expect(result.text).not.toMatch(/^(Live updates|Powered by|Source link|Related Posts|\d+ of \d+)|Reuters$|Getty/);
    // The same wire paragraph from two copies of one article is shown once.
    expect(new Set(response.results.map((r: { text: string }) => r.text)).size).toBe(5);
  });

  it('prints a readable listing by default', () => {
    const run = newsq(['query', QUESTION, '--index-dir', index, '--k', '2']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^1\. \[\d\.\d{3}\] .+\n {3}The National · .*¶\d+\n/);
    expect(run.stdout).toMatch(/2 passages in [\d.]+ ms \(hybrid\)\n$/);
    expect(run.stdout).not.toMatch(/\u001b\[/); // no color codes when not writing to a terminal
    const filtered = JSON.parse(newsq(['query', 'Egypt', '--index-dir', index, '--json', '--k', '20', '--source', 'reuters', '--mode', 'lexical']).stdout);
    expect(filtered.mode).toBe('lexical');
    expect(filtered.results.every((r: { article: { source: string } }) => r.article.source === 'Reuters')).toBe(true);
    const badDate = newsq(['query', 'Egypt', '--index-dir', index, '--from', '2024-13-01']);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toMatch(/^newsq query: --from must be a date, YYYY-MM-DD/);
  });

  it('embeds nothing when re-run on an unchanged folder, and removes an article whose file is gone', () => {
    const again = JSON.parse(newsq(['index', articles, '--index-dir', index, '--json']).stdout);
    expect(again).toMatchObject({ articles: 6, added: 0, updated: 0, removed: 0, unchanged: 6, embedded: 0 });

    unlinkSync(join(articles, '004_9185147787dbf855.txt'));
    writeFileSync(join(articles, 'feed.jsonl'), '{"id":"wire-1","title":"Wire","text":"Qatar hosted talks on Monday instead.","source":"AFP"}\n');
    const after = JSON.parse(newsq(['index', articles, '--index-dir', index, '--json']).stdout);
    expect(after).toMatchObject({ articles: 5, added: 0, updated: 1, removed: 1, unchanged: 4, embedded: 1 });
    const stats = JSON.parse(newsq(['stats', '--index-dir', index, '--json']).stdout);
    expect(stats).toMatchObject({ articles: 5, model: 'newsq/all-MiniLM-L6-v2', dimensions: 384 });
    expect(stats.bytes).toBeGreaterThan(0);
  });

  it('removes articles by id from the CLI', () => {
    const removed = newsq(['remove', 'wire-1', 'no-such-id', '--index-dir', index, '--json']);
    expect(removed.status).toBe(1);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: ['wire-1'], missing: ['no-such-id'] });
    expect(JSON.parse(newsq(['stats', '--index-dir', index, '--json']).stdout).articles).toBe(4);
    // The next sync of the folder brings the article back: its file is still there.
    expect(JSON.parse(newsq(['index', articles, '--index-dir', index, '--json']).stdout)).toMatchObject({ articles: 5, added: 1 });
  });

  it('prints an embedding that matches sentence-transformers', () => {
    const run = newsq(['embed', 'This is an example sentence', '--dtype', 'fp32', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ model: 'newsq/all-MiniLM-L6-v2', dtype: 'fp32', dimensions: 384 });
    expect(output.vector).toHaveLength(384);
    [0.0677, 0.0635, 0.0487, 0.0793, 0.0374, 0.0027].forEach((value, i) => expect(Math.abs(output.vector[i] - value)).toBeLessThanOrEqual(0.002));
  });

  it('reports progress as plain lines when not on a terminal', () => {
    const run = newsq(['index', SAMPLES, '--index-dir', join(work, 'progress')]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^\d+\/5 articles · \d+\/\d+ passages · [\d.]+\/s · ETA /m);
    expect(run.stdout).toMatch(/^5 articles in .*progress: 5 added/);
  });

  it('prints usage and exits 2 for a wrong flag; one clear line for a missing index', () => {
    const wrong = newsq(['query', QUESTION, '--colour']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/Unknown option '--colour'[\s\S]*Usage: newsq query/);
    const missing = newsq(['query', QUESTION, '--index-dir', join(work, 'nothing')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`newsq query: no index in ${join(work, 'nothing')}: build one with newsq index <folder>\n`);
    const unreadable = newsq(['index', join(work, 'no-such-folder'), '--index-dir', index]);
    expect(unreadable.status).toBe(1);
    expect(unreadable.stderr.trim().split('\n')).toHaveLength(1);
    for (const command of ['index', 'query', 'serve', 'start', 'stats', 'embed']) {
      const help = newsq([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: newsq ${command}`));
    }
  });

  it('serves the index over HTTP on 127.0.0.1', async () => {
    await withServer(['serve', '--index-dir', index, '--port', '0'], {}, async (url) => {
      const health = await getJson(`${url}/health`);
      expect(health).toEqual({ status: 'ok', articles: 5, passages: expect.any(Number), model: 'newsq/all-MiniLM-L6-v2' });
      const body = (await getJson(`${url}/search?q=${encodeURIComponent(QUESTION)}&k=5`)) as { results: { text: string }[] };
      expect(body.results.some((result) => EGYPT_REASONS.some((pattern) => pattern.test(result.text)))).toBe(true);
      const bad = await fetch(`${url}/search?q=x&k=500`, { signal: AbortSignal.timeout(10_000) });
      expect(bad.status).toBe(400);
      const openapi = (await getJson(`${url}/openapi.json`)) as { openapi: string; paths: Record<string, unknown> };
      expect(openapi.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/search', '/health', '/articles', '/articles/{id}']));
      // Bound to loopback: a page whose name was pointed at 127.0.0.1 gets nothing.
      const rebound = await new Promise<number | undefined>((resolve, reject) => {
        const request = httpRequest(`${url}/health`, { headers: { host: 'attacker.example' }, timeout: 10_000 }, (response) => {
          response.resume();
          resolve(response.statusCode);
        });
        request.on('error', reject);
        request.end();
      });
      expect(rebound).toBe(403);
    });
  });

  it('keeps serving while index runs, and answers from what it commits without a restart', async () => {
    await withServer(['serve', '--index-dir', index, '--port', '0'], {}, async (url) => {
      writeFileSync(join(articles, 'new-story.txt'), 'Zanzibar ferry talks\n\nNegotiators met aboard a Zanzibar ferry to discuss the quinoa tariff.\n');
      const indexing = spawn(process.execPath, [BIN, 'index', articles, '--index-dir', index, '--json'], { stdio: 'ignore' });
      const exited = new Promise((resolve) => indexing.once('exit', resolve));
      // Queries during the run are answered (from the old or the new state, never a broken one).
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${url}/search?q=Egypt`, { signal: AbortSignal.timeout(10_000) });
        expect(response.status).toBe(200);
      }
      expect(await exited).toBe(0);
      const body = (await getJson(`${url}/search?q=${encodeURIComponent('Zanzibar ferry quinoa tariff')}&k=1`)) as { results: { text: string }[] };
      expect(body.results[0].text).toMatch(/Zanzibar ferry to discuss the quinoa tariff/);
      const health = (await getJson(`${url}/health`)) as { articles: number };
      expect(health.articles).toBe(6);
    });
  });

  it('refuses a second index on a folder being written, naming the writer', async () => {
    // Enough articles that the first writer is still at work when the second arrives.
    const many = join(work, 'many');
    for (let copy = 0; copy < 10; copy++) cpSync(SAMPLES, join(many, String(copy)), { recursive: true });
    const first = spawn(process.execPath, [BIN, 'index', many, '--index-dir', join(work, 'locked'), '--json'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (existsSync(join(work, 'locked', 'write.lock'))) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - started > 60_000) {
            clearInterval(poll);
            reject(new Error('no lock appeared'));
          }
        }, 10);
      });
      const second = newsq(['index', SAMPLES, '--index-dir', join(work, 'locked')]);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`^newsq index: another newsq process \\(pid ${first.pid}\\) has been writing to .*locked since `));
    } finally {
      await new Promise((resolve) => first.once('exit', resolve));
    }
  });

  it('start indexes the bundled samples and serves them on PORT', async () => {
    const startIndex = join(work, 'start-index');
    await withServer(['start'], { PORT: '0', NEWSQ_INDEX_DIR: startIndex }, async (url, output) => {
      expect(output).toMatch(/^sample articles in .*start-index: 5 \(5 added, 0 updated, 0 unchanged; \d+ passages embedded\)\n/);
      const body = (await getJson(`${url}/search?q=${encodeURIComponent(QUESTION)}`)) as { results: { article: { path: string } }[] };
      expect(body.results).toHaveLength(5);
      expect(body.results[0].article.path).toMatch(/^00\d_[0-9a-f]{16}\.txt$/);
    });
  });
});

