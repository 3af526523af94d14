import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, sampleFiles } from '../helpers/fixtures.js';
import { postgresForFile } from '../helpers/postgres.js';
import { FRESH_CONNECTION, withServer } from '../helpers/server.js';

const BIN = join(ROOT, 'bin', 'newsq.js');
const JSON_HEADERS = { 'content-type': 'application/json', ...FRESH_CONNECTION };
const QUESTIONS = ['why does Egypt oppose a Rafah offensive', 'What is the Philadelphi Corridor?', 'Hamas counter-proposals Netanyahu', 'ceasefire talks in Cairo'];

function newsq(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
}

/** The passages a question finds, as `query --json` lists them: article, paragraph, score. */
function answers(question: string, env: Record<string, string>, indexDir: string): string[] {
  const run = newsq(['query', question, '--k', '10', '--json', '--index-dir', indexDir], env);
  expect(run.status, run.stderr).toBe(0);
  const { results } = JSON.parse(run.stdout) as { results: { article: { id: string }; paragraph: number; score: number }[] };
  return results.map((r) => `${r.article.id} ¶${r.paragraph} ${r.score.toFixed(4)}`);
}

async function searchDense(url: string, query: string): Promise<string[]> {
  const response = await fetch(`${url}/search`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query, k: 1, mode: 'dense' }), signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: { article: { id: string } }[] }).results.map((r) => r.article.id);
}

describe('newsq on PostgreSQL, with the real model and real processes', () => {
  const postgres = postgresForFile();
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'newsq-pg-e2e-'));
    env = { NEWSQ_DATABASE_URL: await (await postgres()).database(work) };
    const run = newsq(['index', SAMPLES, '--json'], env);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ articles: 5, added: 5, embedded: 96 });
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('answers as the SQLite store does: the same passages, in the same order, with the same scores', () => {
    const sqliteDir = join(work, 'sqlite');
    expect(newsq(['index', SAMPLES, '--index-dir', sqliteDir, '--json']).status).toBe(0);
    for (const question of QUESTIONS) expect(answers(question, env, join(work, 'unused'))).toEqual(answers(question, {}, sqliteDir));
  });

  it('syncs as on SQLite: a second run finds nothing to do', () => {
    const run = newsq(['index', SAMPLES, '--json'], env);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ articles: 5, added: 0, updated: 0, unchanged: 5, embedded: 0 });
  });

  it('newsq eval scores a collection on PostgreSQL as on SQLite', async () => {
    const collection = join(work, 'collection');
    mkdirSync(collection);
    const corpus = sampleFiles().map(([name, text]) => {
      const [title, ...rest] = text.split('\n');
      return JSON.stringify({ _id: name, title, text: rest.join('\n') });
    });
    writeFileSync(join(collection, 'corpus.jsonl'), corpus.join('\n'));
    writeFileSync(join(collection, 'queries.jsonl'), QUESTIONS.map((text, i) => JSON.stringify({ _id: `q${i}`, text })).join('\n'));
    writeFileSync(join(collection, 'qrels.tsv'), ['query-id\tcorpus-id\tscore', ...QUESTIONS.map((_, i) => `q${i}\t${sampleFiles()[i % 5][0]}\t1`)].join('\n'));
    const onSqlite = newsq(['eval', collection, '--json', '--index-dir', join(work, 'eval-sqlite')]);
    const onPostgres = newsq(['eval', collection, '--json'], { NEWSQ_DATABASE_URL: await (await postgres()).database(join(work, 'eval')) });
    expect(onPostgres.status, onPostgres.stderr).toBe(0);
    const [a, b] = [JSON.parse(onSqlite.stdout), JSON.parse(onPostgres.stdout)];
    expect(b).toMatchObject({ documents: 5, queries: 4 });
    expect(b.scores).toEqual(a.scores);
  }, 120_000);

  it('two serving replicas: a write through one is found by the other within a second', async () => {
    await withServer(['serve', '--port', '0'], env, async (first) => {
      await withServer(['serve', '--port', '0'], env, async (second) => {
        for (const [i, text] of ['Seven okapis rehearsed an opera about saffron tariffs in a Lisbon greenhouse.', 'A llama choir recorded lullabies inside a lighthouse near Valparaíso.'].entries()) {
          const response = await fetch(`${first}/articles`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ id: `w${i}`, text }), signal: AbortSignal.timeout(60_000) });
          expect(response.status, await response.clone().text()).toBe(200);
          const written = Date.now();
          let found: string[] = [];
          while (Date.now() - written < 1000 && found[0] !== `w${i}`) found = await searchDense(second, text);
          expect(found).toEqual([`w${i}`]);
        }
        const removed = await fetch(`${second}/articles/w0`, { method: 'DELETE', headers: FRESH_CONNECTION, signal: AbortSignal.timeout(10_000) });
        expect(removed.status).toBe(200);
        expect(await searchDense(first, 'Seven okapis rehearsed an opera about saffron tariffs in a Lisbon greenhouse.')).not.toContain('w0');
      });
    });
  }, 180_000);
});
