import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTerms } from '../../src/ingest/analyze.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ROOT, SAMPLES } from '../helpers/fixtures.js';

const BIN = join(ROOT, 'bin', 'newsq.js');
const COPIES = 12;

function newsq(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000 });
}

/** Counts and consistency checks of an index, read the way a user's tools would. */
async function inspect(indexDir: string) {
  const db = new Database(join(indexDir, 'newsq.sqlite'), { readonly: true });
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const facts = {
    articles: count('SELECT COUNT(*) AS n FROM articles'),
    passages: count('SELECT COUNT(*) AS n FROM passages'),
    distinctPassages: count('SELECT COUNT(*) AS n FROM (SELECT DISTINCT article_id, paragraph, window_index FROM passages)'),
    words: count('SELECT COUNT(*) AS n FROM passages WHERE length(terms) > 0'),
    orphans: count('SELECT COUNT(*) AS n FROM passages WHERE article_id NOT IN (SELECT id FROM articles)'),
  };
  const ids = new Set((db.prepare('SELECT id FROM passages').all() as { id: number }[]).map((r) => r.id));
  db.close();
  const store = openSqliteStore({ dir: indexDir, identity: null, hnsw: { m: 16, efConstruction: 200, efSearch: 64 }, owner: false, titleWeight: 0.5 })!;
  const hits = await store.reader.nearest(new Float32Array(384).fill(0.05), facts.passages + 50);
  // Postings of removed passages may stay behind until compacted, but no search may return them.
  const wordHits = await store.reader.lexical(queryTerms('the Rafah crossing copy of the article'), facts.passages + 50);
  await store.close();
  return {
    ...facts,
    graphHits: hits.length,
    graphOnlyKnown: hits.every((hit) => ids.has(hit.id)),
    wordHits: wordHits.length,
    wordsOnlyKnown: wordHits.every((hit) => ids.has(hit.id)),
  };
}

describe('a kill at any moment leaves a usable index that a re-run completes', () => {
  let work: string;
  let corpus: string;
  let clean: Awaited<ReturnType<typeof inspect>>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'newsq-crash-'));
    corpus = join(work, 'corpus');
    mkdirSync(corpus);
    for (const name of readdirSync(SAMPLES)) {
      const text = readFileSync(join(SAMPLES, name), 'utf8');
      for (let copy = 0; copy < COPIES; copy++) writeFileSync(join(corpus, `${copy}-${name}`), `${text}\n\nThis is copy number ${copy} of the article.\n`);
    }
    const run = newsq(['index', corpus, '--index-dir', join(work, 'clean'), '--json']);
    expect(run.status, run.stderr).toBe(0);
    clean = await inspect(join(work, 'clean'));
    expect(clean.articles).toBe(5 * COPIES);
    expect(clean.wordHits).toBeGreaterThan(5 * COPIES);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Starts `index`, kills it with SIGKILL when `when` says so, and returns whether it was killed. */
  async function killDuring(indexDir: string, when: (signal: () => void) => () => void): Promise<boolean> {
    const child = spawn(process.execPath, [BIN, 'index', corpus, '--index-dir', indexDir, '--json'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let killed = false;
    const stop = when(() => {
      killed = child.kill('SIGKILL');
    });
    await exited;
    stop();
    return killed;
  }

  async function expectComplete(indexDir: string) {
    // The interrupted index opens and answers with what it had committed.
    if (existsSync(join(indexDir, 'manifest.json')) && existsSync(join(indexDir, 'newsq.sqlite'))) {
      const partial = await inspect(indexDir);
      expect(partial.passages).toBe(partial.distinctPassages);
      expect(partial.orphans).toBe(0);
      expect(partial.wordsOnlyKnown).toBe(true);
      const query = newsq(['query', 'Philadelphi Corridor', '--index-dir', indexDir, '--json']);
      expect(query.status, query.stderr).toBe(0);
    }
    // Re-running the same index completes it: same counts as a clean build, nothing doubled or orphaned.
    const rerun = newsq(['index', corpus, '--index-dir', indexDir, '--json']);
    expect(rerun.status, rerun.stderr).toBe(0);
    const done = await inspect(indexDir);
    expect(done).toEqual({ ...clean });
    expect(done.graphHits).toBe(done.passages);
    expect(done.graphOnlyKnown).toBe(true);
    expect(done.wordsOnlyKnown).toBe(true);
  }

  it('killed early, before anything is committed', async () => {
    const indexDir = join(work, 'early');
    const killed = await killDuring(indexDir, (kill) => {
      const timer = setTimeout(kill, 150);
      return () => clearTimeout(timer);
    });
    expect(killed).toBe(true);
    await expectComplete(indexDir);
  });

  it('killed mid-run, after some batches are committed', async () => {
    const indexDir = join(work, 'mid');
    const killed = await killDuring(indexDir, (kill) => {
      const poll = setInterval(() => {
        try {
          const db = new Database(join(indexDir, 'newsq.sqlite'), { readonly: true, fileMustExist: true });
          const { n } = db.prepare('SELECT COUNT(*) AS n FROM articles').get() as { n: number };
          db.close();
          if (n > 0) kill();
        } catch {
          // not created yet
        }
      }, 20);
      return () => clearInterval(poll);
    });
    expect(killed).toBe(true);
    const partial = await inspect(indexDir);
    expect(partial.articles).toBeGreaterThan(0);
    expect(partial.articles).toBeLessThan(clean.articles);
    await expectComplete(indexDir);
  });

  it('killed while the HNSW graph is being saved', async () => {
    const indexDir = join(work, 'save');
    mkdirSync(indexDir, { recursive: true });
    const killed = await killDuring(indexDir, (kill) => {
      const watcher = watch(indexDir, (_, name) => {
        if (name && /^vectors-\d+\.hnsw\.tmp-/.test(name)) kill();
      });
      return () => watcher.close();
    });
    expect(killed).toBe(true);
    // The database is committed; the graph file of its generation is missing or whole.
    expect(existsSync(join(indexDir, 'newsq.sqlite'))).toBe(true);
    await expectComplete(indexDir);
    // A half-written graph file the kill left behind is cleared by the next writer.
    expect(readdirSync(indexDir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
