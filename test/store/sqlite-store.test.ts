import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { FORMAT_VERSION, type IndexIdentity } from '../../src/store/manifest.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/fixtures.js';
import { articleWrite, lexicalTexts, nearestTexts, remove, storeContract, write } from './store.contract.js';

const identity: IndexIdentity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };
const hnsw = { m: 16, efConstruction: 100, efSearch: 50 };
/** A store as `index` opens it: it holds the write lock while open. */
const open = (dir: string, notices: string[] = []) => openSqliteStore({ dir, identity, hnsw, owner: true, titleWeight: 0.5, onNotice: (m) => notices.push(m) })!;
/** A store as `serve` opens it: each of its writers takes the lock for its own life. */
const openReader = (dir: string, notices: string[] = []) => openSqliteStore({ dir, identity, hnsw, owner: false, titleWeight: 0.5, onNotice: (m) => notices.push(m) })!;

const graphFiles = (dir: string) => readdirSync(dir).filter((file) => file.startsWith('vectors-'));
// A query vector near every passage of the fake embedder: asks the graph for all it holds.
const anyVector = new Float32Array(32).fill(0.1);
const graphSize = async (store: Store) => (await store.reader.nearest(anyVector, 1000)).length;
// More passages than a reader replays or a writer leaves to the log (REPLAY_LIMIT).
const longArticle = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix} paragraph number ${i} about item${i}.`);
const logRows = (dir: string) => {
  const db = new Database(join(dir, 'newsq.sqlite'), { readonly: true });
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM passage_log').get() as { n: number }).n;
  db.close();
  return rows;
};
/** A new index folder holding one article, its graph saved and no writer left open. */
async function indexOfOneArticle(): Promise<string> {
  const dir = tempDir();
  const store = open(dir);
  await write(store, await articleWrite('a', ['First article.']));
  await store.close();
  return dir;
}
/** Whether the event loop turned while `work` ran: it does while a file is read or written off it. */
async function loopTurnsDuring(work: () => Promise<void>): Promise<boolean> {
  let turned = false;
  setImmediate(() => (turned = true));
  await work();
  return turned;
}
/** A process that holds nothing but lives: named in the lock's holder file, it is a writer at work. */
async function withLiveHolder(dir: string, work: (pid: number) => Promise<void>): Promise<void> {
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  try {
    writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: sleeper.pid, since: '2026-01-01T00:00:00.000Z' }));
    await work(sleeper.pid!);
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.once('exit', resolve));
  }
}

storeContract('SQLite + HNSW', open, { persistent: true });

describe('SQLite store files', () => {
  it('writes a manifest, the database and one HNSW file named after the generation', async () => {
    const dir = tempDir();
    const store = open(dir);
    await write(store, await articleWrite('a', ['Text.']));
    await store.close();
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject(identity);
    expect(existsSync(join(dir, 'newsq.sqlite'))).toBe(true);
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
  });

  it.each([
    ['missing', (file: string) => rmSync(file)],
    ['truncated', (file: string) => writeFileSync(file, readFileSync(file).subarray(0, 100))],
  ])('rebuilds the HNSW graph from SQLite when its file is %s', async (_, damage) => {
    const dir = tempDir();
    const store = open(dir);
    await write(store, await articleWrite('a', ['Egypt and the Rafah crossing.', 'Something else entirely.']));
    await store.close();
    damage(join(dir, graphFiles(dir)[0]));
    const notices: string[] = [];
    const reopened = open(dir, notices);
    expect((await nearestTexts(reopened.reader, 'Egypt Rafah crossing', 1))[0]).toBe('Egypt and the Rafah crossing.');
    expect(notices).toEqual(['rebuilding the vector index from 2 stored passages']);
    await reopened.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
  });

  it('logs a small write instead of saving the whole graph; the graph replays it when opened', async () => {
    const dir = await indexOfOneArticle();
    const second = open(dir);
    await write(second, await articleWrite('b', ['Sinai border crossing reopened.']));
    await remove(second, ['a']);
    await write(second, await articleWrite('c', ['Added, then removed before any save.']));
    await remove(second, ['c']);
    await second.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    expect(logRows(dir)).toBe(5); // these four, and the first write's, which the log keeps until a later save
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(await nearestTexts(reader.reader, 'anything', 10)).toEqual(['Sinai border crossing reopened.']);
    expect(notices).toEqual([]); // replayed, not rebuilt
    await reader.close();
  });

  it('saves the graph once a write takes the log past its limit, keeping the log since the save before', async () => {
    const dir = await indexOfOneArticle();
    const first = readFileSync(join(dir, 'vectors-1.hnsw'));
    const second = open(dir);
    await write(second, await articleWrite('b', longArticle('Second')));
    await second.close();
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    expect(logRows(dir)).toBe(300); // a reader still at the first graph can replay them
    const third = open(dir);
    await write(third, await articleWrite('c', longArticle('Third')));
    await third.close();
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    expect(logRows(dir)).toBe(300);
    // A graph file older than the log reaches back (a copy restored by hand) cannot be brought up
    // to date: the graph is rebuilt from the passages.
    rmSync(join(dir, 'vectors-3.hnsw'));
    writeFileSync(join(dir, 'vectors-1.hnsw'), first);
    const notices: string[] = [];
    const reopened = open(dir, notices);
    expect(await graphSize(reopened)).toBe(601);
    expect(notices).toEqual(['rebuilding the vector index from 601 stored passages']);
    await reopened.close();
  });

  it('saves past the log’s limit when a serving store’s writer closes, reading and writing the file off the event loop', async () => {
    const dir = await indexOfOneArticle();
    const serving = openReader(dir);
    await write(serving, await articleWrite('b', ['A small write stays in the log.']));
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    const writer = await serving.writer();
    await writer.writeArticles([await articleWrite('c', longArticle('Long'))]);
    expect(await loopTurnsDuring(() => writer.close())).toBe(true);
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    expect(logRows(dir)).toBe(301); // the log since the graph saved before (a reader may still be there)
    await serving.close();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(await graphSize(reader)).toBe(302);
    expect(notices).toEqual([]);
    await reader.close();
  });

  it('saves the graph a serving store holds, caught up with its own write; a store that only reads never saves', async () => {
    const dir = await indexOfOneArticle();
    const notices: string[] = [];
    const serving = openReader(dir, notices);
    expect(await graphSize(serving)).toBe(1); // its graph is in memory
    await write(serving, await articleWrite('b', longArticle('Long')));
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    expect(logRows(dir)).toBe(300);
    expect(await graphSize(serving)).toBe(301);

    // Another writer's long write: the serving store follows it and writes nothing.
    const other = open(dir);
    await write(other, await articleWrite('c', longArticle('Other')));
    await other.close();
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    await vi.waitFor(async () => expect(await graphSize(serving)).toBe(601));
    await serving.close();
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    const reopened = openReader(dir, notices);
    expect(await graphSize(reopened)).toBe(601);
    expect(notices).toEqual([]);
    await reopened.close();
  });

  it('takes its own write into the graph a slice at a time, searches answering in between', async () => {
    const dir = tempDir();
    const store = open(dir);
    await write(store, await articleWrite('a', ['First article.']), await articleWrite('b', ['Second article.']));
    await store.close();
    const notices: string[] = [];
    const serving = openReader(dir, notices);
    expect(await graphSize(serving)).toBe(2);
    const writer = await serving.writer();
    await writer.removeArticles(['b']);
    // Searches while the graph catches up see it as far as it got, never a change twice.
    const seen: number[] = [];
    let done = false;
    const watch = async () => {
      if (done) return;
      seen.push(await graphSize(serving));
      setImmediate(() => void watch());
    };
    setImmediate(() => void watch());
    await writer.writeArticles([await articleWrite('c', longArticle('Long').slice(0, 200))]);
    done = true;
    await writer.close();
    expect(seen.some((count) => count > 1 && count < 201)).toBe(true);
    expect(seen.every((count) => count <= 201)).toBe(true);
    expect(await graphSize(serving)).toBe(201);
    expect(await nearestTexts(serving.reader, 'anything', 1000)).not.toContain('Second article.');
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']); // 201 changes: left to the log
    expect(notices).toEqual([]);
    await serving.close();
  });

  it('refuses an index built with another model, naming the difference and the fix', async () => {
    const dir = tempDir();
    await open(dir).close();
    const other = { ...identity, model: 'other/model', dimensions: 384 };
    expect(() => openSqliteStore({ dir, identity: other, hnsw, owner: true, titleWeight: 0.5 })).toThrow(
      /model is "fake\/bag-of-words" in the index but "other\/model" now; dimensions is 32 in the index but 384 now\. Rebuild it with: newsq index <folder> --rebuild/,
    );
  });

  it('starts empty with reset, and readers see no index where there is none', async () => {
    const dir = tempDir();
    expect(openSqliteStore({ dir: join(dir, 'none'), identity, hnsw, owner: false, titleWeight: 0.5 })).toBeNull();
    const store = open(dir);
    await write(store, await articleWrite('a', ['Text.']));
    await store.close();
    const reset = openSqliteStore({ dir, identity, hnsw, owner: true, reset: true, titleWeight: 0.5 })!;
    expect(await reset.reader.stats()).toMatchObject({ articles: 0, passages: 0 });
    await reset.close();
  });
});

describe('one writer at a time, readers following', () => {
  it('refuses a second writer while the first holds the lock, and lets it in after', async () => {
    const dir = tempDir();
    await open(dir).close();
    await withLiveHolder(dir, async (pid) => {
      expect(() => open(dir)).toThrow(new RegExp(`another newsq process \\(pid ${pid}\\) has been writing to .* since 2026-01-01`));
    });
    const notices: string[] = [];
    const after = open(dir, notices);
    expect(notices).toEqual([expect.stringMatching(/^cleared a stale write lock left by pid \d+ in /)]);
    await after.close();
    expect(existsSync(join(dir, 'write.lock'))).toBe(false);
  });

  it('lets a reader see what a writer commits, without reopening', async () => {
    const dir = tempDir();
    const writer = open(dir);
    await write(writer, await articleWrite('a', ['First article about Cairo talks.']));
    const reader = openReader(dir);
    expect((await nearestTexts(reader.reader, 'Cairo talks', 1))[0]).toBe('First article about Cairo talks.');
    await write(writer, await articleWrite('b', ['Second article on Sinai refugees.']));
    expect((await nearestTexts(reader.reader, 'Sinai refugees', 1))[0]).toBe('Second article on Sinai refugees.');
    expect((await reader.reader.stats()).articles).toBe(2);
    await writer.close();
    await reader.close();
  });

  it('replays added and removed passages on the graph it holds', async () => {
    const dir = tempDir();
    const writer = open(dir);
    await write(writer, await articleWrite('a', ['Cairo talks resumed on Thursday.']), await articleWrite('b', ['Sinai border crossing reopened.']));
    await writer.close();
    const reader = openReader(dir);
    expect(await nearestTexts(reader.reader, 'Sinai crossing', 10)).toHaveLength(2);
    // A short write by another writer: it never loads the graph.
    const small = open(dir);
    await remove(small, ['b']);
    await write(small, await articleWrite('c', ['Rafah crossing closed again.']));
    await small.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    // The graph itself answers without the removed passage, before hydration could drop it.
    expect(await graphSize(reader)).toBe(2);
    expect((await nearestTexts(reader.reader, 'Rafah crossing', 1))[0]).toBe('Rafah crossing closed again.');
    expect(await nearestTexts(reader.reader, 'Sinai crossing', 10)).not.toContain('Sinai border crossing reopened.');
    await reader.close();
  });
});

describe('a reader following a long write', () => {
  const paragraphs = longArticle('Long');

  it('switches to the graph the writer saved at its end', async () => {
    const dir = await indexOfOneArticle();
    const reader = openReader(dir);
    expect(await graphSize(reader)).toBe(1);
    const writer = open(dir);
    await write(writer, await articleWrite('b', paragraphs));
    await writer.close();
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    // The file is read off the event loop: the search that finds it still answers from the graph held.
    expect(await graphSize(reader)).toBe(1);
    await vi.waitFor(async () => expect(await graphSize(reader)).toBe(301));
    await reader.close();
  });

  it('closed while it reads the newer file, stops quietly', async () => {
    const dir = await indexOfOneArticle();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(await graphSize(reader)).toBe(1);
    const writer = open(dir);
    await write(writer, await articleWrite('b', paragraphs));
    await writer.close();
    expect(await graphSize(reader)).toBe(1); // the newer file is being read
    await reader.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notices).toEqual([]);
  });

  it('opened after its writer stopped before saving, replays the log whole: no writer will save the graph', async () => {
    const dir = await indexOfOneArticle();
    const writer = open(dir);
    const open_ = await writer.writer();
    await open_.writeArticles([await articleWrite('b', paragraphs)]);
    // Not closed: as if killed. The lock names this process, which a reader does not count as a writer at work.
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(await graphSize(reader)).toBe(301);
    expect(notices).toEqual([]);
    await reader.close();
    await writer.close();
  });

  it('already following, replays it whole when its writer stopped before saving, between searches', async () => {
    const dir = await indexOfOneArticle();
    const reader = openReader(dir);
    expect(await graphSize(reader)).toBe(1);
    const writer = open(dir);
    const unsaved = await writer.writer();
    await unsaved.writeArticles([await articleWrite('b', paragraphs)]); // not saved: as if killed
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    // Replayed a slice at a time, between searches.
    const seen: number[] = [];
    for (let turn = 0; turn < 10_000 && seen.at(-1) !== 301; turn++) {
      seen.push(await graphSize(reader));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen.at(-1)).toBe(301);
    expect(seen.some((count) => count > 1 && count < 301)).toBe(true);
    await reader.close();
    await writer.close();
  });
});

describe('a passage log that disagrees with the graph', () => {
  it('is not trusted: the graph is rebuilt from the passages, with a notice', async () => {
    const dir = await indexOfOneArticle();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(await graphSize(reader)).toBe(1);
    // A commit whose log removes a passage the graph never held.
    const db = new Database(join(dir, 'newsq.sqlite'));
    db.exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; INSERT INTO passage_log (generation, passage_id, added) SELECT CAST(value AS INTEGER), 9999, 0 FROM meta WHERE key = 'generation'");
    db.close();
    expect(await graphSize(reader)).toBe(1);
    expect(notices).toEqual([expect.stringMatching(/^the vector index disagrees with the passage log/), 'rebuilding the vector index from 1 stored passages']);
    await reader.close();
  });
});

describe('a reader opened while a writer is at work', () => {
  it('starts from the last saved graph instead of rebuilding, and follows the writer', async () => {
    const dir = await indexOfOneArticle();
    const writer = open(dir);
    await write(writer, await articleWrite('b', ['Sinai border crossing reopened.'])); // committed, graph not saved
    await withLiveHolder(dir, async () => {
      const notices: string[] = [];
      const reader = openReader(dir, notices);
      expect((await nearestTexts(reader.reader, 'First article', 1))[0]).toBe('First article.');
      expect(notices).toEqual([]); // no rebuild
      expect(await lexicalTexts(reader.reader, 'Sinai crossing')).toEqual(['Sinai border crossing reopened.']);
      expect((await nearestTexts(reader.reader, 'Sinai border crossing', 1))[0]).toBe('Sinai border crossing reopened.');
      await reader.close();
    });
    await writer.close();
  });
});

describe('reading passages', () => {
  it('never serves a removed passage from what it read before', async () => {
    const dir = tempDir();
    const writer = open(dir);
    await write(writer, await articleWrite('a', ['Egypt fears refugees crossing into Sinai. Cairo objects.', 'Talks continue.']));
    const reader = openReader(dir);
    const ids = (await reader.reader.nearest(anyVector, 10)).map((hit) => hit.id);
    expect(ids).toHaveLength(2);
    // Read twice: the second read is answered from memory.
    for (let i = 0; i < 2; i++) {
      expect(await reader.reader.passages(ids)).toHaveLength(2);
      expect((await reader.reader.vectors(ids)).size).toBe(2);
      expect((await reader.reader.sentences(ids)).size).toBe(2);
    }
    await remove(writer, ['a']);
    expect(await reader.reader.passages(ids)).toEqual([]);
    expect((await reader.reader.vectors(ids)).size).toBe(0);
    expect((await reader.reader.sentences(ids)).size).toBe(0);
    await reader.close();
    await writer.close();
  });
});
