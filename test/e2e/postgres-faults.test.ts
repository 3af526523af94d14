import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, sampleFiles, tempDir } from '../helpers/fixtures.js';
import { postgresForFile, type TestPostgres } from '../helpers/postgres.js';
import { FRESH_CONNECTION, withServer } from '../helpers/server.js';

const BIN = join(ROOT, 'bin', 'newsq.js');
const QUESTION = 'why does Egypt oppose a Rafah offensive';
// Words no earlier question asked: their postings are not held by a replica that answered only QUESTION.
const OTHER_QUESTION = 'Philadelphi corridor smuggling tunnels';

function newsq(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
}

async function search(url: string, q: string): Promise<{ status: number; retryAfter: string | null; ids: string[] }> {
  const response = await fetch(`${url}/search?q=${encodeURIComponent(q)}&k=5`, { headers: FRESH_CONNECTION, signal: AbortSignal.timeout(20_000) });
  const body = (await response.json()) as { results?: { article: { id: string }; paragraph: number }[] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ids: (body.results ?? []).map((r) => `${r.article.id} ¶${r.paragraph}`) };
}

async function health(url: string): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(`${url}/health`, { headers: FRESH_CONNECTION, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

/** Asks `probe` every 200 ms until it holds, for up to `ms`. */
async function eventually(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(200)) if (await probe().catch(() => false)) return true;
  return false;
}

describe('newsq on PostgreSQL, with faults: a server restart, workers killed', () => {
  const postgres = postgresForFile();
  /** The environment of a fresh database of its own, holding the sample articles. */
  const indexedSamples = async (server: TestPostgres, name: string): Promise<Record<string, string>> => {
    const env = { NEWSQ_DATABASE_URL: await server.database(join(tempDir('newsq-pg-faults-'), name)) };
    expect(newsq(['index', SAMPLES, '--json'], env).status).toBe(0);
    return env;
  };

  it('a replica that has loaded keeps answering from what it holds while PostgreSQL is down; one that has not answers 503 with Retry-After; both go on after the restart', async () => {
    const server = await postgres();
    const env = await indexedSamples(server, 'replicas');

    await withServer(['serve', '--port', '0'], env, async (loaded) => {
      const before = await search(loaded, QUESTION);
      expect(before.status).toBe(200);
      await server.down();
      let down = true;
      try {
        expect((await health(loaded)).status).toBe(200);
        expect(await search(loaded, QUESTION)).toMatchObject({ status: 200, ids: before.ids });
        // What it does not hold, it cannot answer: 503, and when to ask again.
        const other = await search(loaded, OTHER_QUESTION);
        expect(other.status).toBe(503);
        expect(Number(other.retryAfter)).toBeGreaterThan(0);

        await withServer(['serve', '--port', '0'], env, async (starting) => {
          expect(await health(starting)).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
          expect(await search(starting, QUESTION)).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
          await server.up();
          down = false;
          expect(await eventually(async () => (await health(starting)).status === 200, 20_000)).toBe(true);
          expect(await search(starting, QUESTION)).toMatchObject({ status: 200, ids: before.ids });
          expect((await search(loaded, OTHER_QUESTION)).status).toBe(200);
          // Both follow writes again: one through the first is found on the second within a second.
          const text = 'A brass band of pelicans toured the salt flats of Uyuni playing Sousa marches.';
          const written = await fetch(`${loaded}/articles`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...FRESH_CONNECTION },
            body: JSON.stringify({ id: 'pelicans', text }),
            signal: AbortSignal.timeout(60_000),
          });
          expect(written.status).toBe(200);
          const at = Date.now();
          expect(await eventually(async () => (await search(starting, text)).ids[0] === 'pelicans ¶0', 1_000)).toBe(true);
          expect(Date.now() - at).toBeLessThan(1_500);
        });
      } finally {
        if (down) await server.up();
      }
    });
  }, 240_000);

  it('a replica killed with SIGKILL in the middle of a write through its API leaves the article whole or absent, never part of it', async () => {
    const server = await postgres();
    const env = await indexedSamples(server, 'killed');
    const replica = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    const exited = new Promise((resolve) => replica.once('exit', resolve));
    const url = await new Promise<string>((resolve) => {
      let output = '';
      replica.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]);
      });
    });
    const paragraphs = Array.from({ length: 200 }, (_, i) => `Paragraph ${i} of a long report on shipping through the Suez canal, number ${i}.`);
    const body = JSON.stringify([{ id: 'long', title: 'A long report', text: paragraphs.join('\n\n') }]);
    const posted = fetch(`${url}/articles`, { method: 'POST', headers: { 'content-type': 'application/json', ...FRESH_CONNECTION }, body }).catch(() => null);
    await sleep(700);
    replica.kill('SIGKILL');
    await exited;
    await posted;
    const client = new pg.Client({ connectionString: env.NEWSQ_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM passages WHERE article_id = 'long'");
    await client.end();
    expect([0, 200]).toContain(rows[0].n);
    // The others go on: the index answers, and the article can be written again.
    await withServer(['serve', '--port', '0'], env, async (other) => {
      expect((await search(other, QUESTION)).status).toBe(200);
      const again = await fetch(`${other}/articles`, { method: 'POST', headers: { 'content-type': 'application/json', ...FRESH_CONNECTION }, body, signal: AbortSignal.timeout(120_000) });
      expect(again.status).toBe(200);
      expect((await search(other, paragraphs[17])).ids[0]).toBe('long ¶17');
    });
  }, 240_000);

  it('two indexing workers: one killed with SIGKILL holding a batch, PostgreSQL restarted mid-job; every article written once', async () => {
    const work = tempDir('newsq-pg-faults-');
    const server = await postgres();
    const url = await server.database(join(work, 'workers'));
    // Claims that expire after 2 s, of about 24 passages: a dead worker's batch is taken over soon.
    const configPath = join(work, 'workers.config.json');
    writeFileSync(configPath, JSON.stringify({ store: { kind: 'postgres', url, claimSeconds: 2, claimPassages: 24 } }));
    const env = { NEWSQ_CONFIG: configPath };
    // Eight copies of each sample article, told apart by their first line: 40 articles.
    const folder = join(work, 'archive');
    mkdirSync(folder);
    for (const [name, text] of sampleFiles()) for (let copy = 0; copy < 8; copy++) writeFileSync(join(folder, `${copy}-${name}`), `Copy ${copy}\n\n${text}`);

    const start = (): { child: ChildProcess; exited: Promise<{ code: number | null; stdout: string; stderr: string }> } => {
      const child = spawn(process.execPath, [BIN, 'index', folder, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
      return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
    };
    const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    };

    const doomed = start();
    const survivor = start();
    // Killed while it holds a batch it has not committed.
    const holding = await eventually(
      async () => (await query("SELECT 1 FROM embed_queue WHERE claimed_by LIKE $1 AND NOT done", [`%:${doomed.child.pid}:%`])).length > 0,
      90_000,
    );
    expect(holding).toBe(true);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).code).toBeNull();
    // The database goes down for a while under the other, which is still at work.
    expect(survivor.child.exitCode).toBeNull();
    await server.down();
    await sleep(1_500);
    await server.up();

    const result = await survivor.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ articles: 40 });
    // It met the restart, and went on.
    expect(result.stderr).toMatch(/PostgreSQL cannot be reached/);
    const [{ articles, passages }] = await query<{ articles: number; passages: number }>(
      'SELECT (SELECT COUNT(*)::int FROM articles) AS articles, (SELECT COUNT(*)::int FROM passages) AS passages',
    );
    // As many passages as one process alone makes of the folder (SQLite), none twice.
    const alone = newsq(['index', folder, '--index-dir', join(work, 'alone'), '--json'], {});
    expect({ articles, passages }).toEqual({ articles: 40, passages: JSON.parse(alone.stdout).embedded });
    expect(await query('SELECT article_id, paragraph, window_index FROM passages GROUP BY 1, 2, 3 HAVING COUNT(*) > 1')).toEqual([]);
    expect(await query('SELECT article_id FROM embed_queue')).toEqual([]);
    // Nothing is left to do, and what was written answers.
    const again = newsq(['index', folder, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ articles: 40, added: 0, updated: 0, unchanged: 40, embedded: 0 });
    const answer = newsq(['query', QUESTION, '--json', '--k', '3'], env);
    expect(answer.status, answer.stderr).toBe(0);
    expect((JSON.parse(answer.stdout) as { results: unknown[] }).results).toHaveLength(3);
  }, 300_000);

  it('a worker started while PostgreSQL is down waits for it, then indexes', async () => {
    const work = tempDir('newsq-pg-faults-');
    const server = await postgres();
    const url = await server.database(join(work, 'late'));
    await server.down();
    const child = spawn(process.execPath, [BIN, 'index', SAMPLES, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEWSQ_DATABASE_URL: url } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Down until the worker has tried to open the store at least once.
    expect(await eventually(async () => /opening the store again/.test(stderr), 60_000)).toBe(true);
    await server.up();
    expect(await exited, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ articles: 5, added: 5 });
  }, 120_000);
});
