import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { FORMAT_VERSION, type IndexIdentity } from '../../src/store/manifest.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';
import { tempDir } from '../helpers/fixtures.js';
import { articleWrite, storeContract } from './store.contract.js';

const identity: IndexIdentity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };
const hnsw = { m: 16, efConstruction: 100, efSearch: 50 };
const open = (dir: string, notices: string[] = []) => openSqliteStore({ dir, identity, hnsw, writable: true, onNotice: (m) => notices.push(m) })!;

const graphFiles = (dir: string) => readdirSync(dir).filter((file) => file.startsWith('vectors-'));
const openReader = (dir: string, notices: string[] = []) => openSqliteStore({ dir, identity, hnsw, writable: false, onNotice: (m) => notices.push(m) })!;
// A query vector near every passage of the fake embedder: asks the graph for all it holds.
const anyVector = new Float32Array(32).fill(0.1);
// More passages than a reader replays or a writer leaves to the log (REPLAY_LIMIT).
const longArticle = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix} paragraph number ${i} about item${i}.`);
// A writer that leaves saving the graph past the log's limit to checkpoint(), as serve's do.
const openCheckpointed = (dir: string) => openSqliteStore({ dir, identity, hnsw, writable: true, checkpointed: true })!;
/** A new index folder holding one article, its graph saved and no writer left open. */
async function indexOfOneArticle(): Promise<string> {
  const dir = tempDir();
  const store = open(dir);
  store.writeArticles([await articleWrite('a', ['First article.'])]);
  store.close();
  return dir;
}
/** Whether the event loop turned while `work` ran: it does while a file is read or written off it. */
async function loopTurnsDuring(work: () => Promise<void>): Promise<boolean> {
  let turned = false;
  setImmediate(() => (turned = true));
  await work();
  return turned;
}

storeContract('SQLite + HNSW', open);

describe('SQLite store files', () => {
  it('writes a manifest, the database and one HNSW file named after the generation', async () => {
    const dir = tempDir();
    const store = open(dir);
    store.writeArticles([await articleWrite('a', ['Text.'])]);
    store.close();
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
    store.writeArticles([await articleWrite('a', ['Egypt and the Rafah crossing.', 'Something else entirely.'])]);
    store.close();
    damage(join(dir, graphFiles(dir)[0]));
    const notices: string[] = [];
    const reopened = open(dir, notices);
    const [vector] = await createFakeEmbedder(32).embed(['Egypt Rafah crossing']);
    expect(reopened.passages(reopened.nearest(vector, 1).map((h) => h.id))[0].text).toBe('Egypt and the Rafah crossing.');
    expect(notices).toEqual(['rebuilding the vector index from 2 stored passages']);
    reopened.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
  });

  const logRows = (dir: string) => {
    const db = new Database(join(dir, 'newsq.sqlite'), { readonly: true });
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM passage_log').get() as { n: number }).n;
    db.close();
    return rows;
  };

  it('logs a small write instead of saving the whole graph; the graph replays it when opened', async () => {
    const dir = tempDir();
    const first = open(dir);
    first.writeArticles([await articleWrite('a', ['Cairo talks resumed on Thursday.'])]);
    first.close();
    const second = open(dir);
    second.writeArticles([await articleWrite('b', ['Sinai border crossing reopened.'])]);
    second.removeArticles(['a']);
    second.writeArticles([await articleWrite('c', ['Added, then removed before any save.'])]);
    second.removeArticles(['c']);
    second.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    expect(logRows(dir)).toBe(5); // these four, and the first write's, which the log keeps until a later save
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    const hits = reader.nearest(anyVector, 10);
    expect(reader.passages(hits.map((hit) => hit.id)).map((passage) => passage.text)).toEqual(['Sinai border crossing reopened.']);
    expect(notices).toEqual([]); // replayed, not rebuilt
    reader.close();
  });

  it('saves the graph once a write takes the log past its limit, keeping the log since the save before', async () => {
    const dir = await indexOfOneArticle();
    const first = readFileSync(join(dir, 'vectors-1.hnsw'));
    const second = open(dir);
    second.writeArticles([await articleWrite('b', longArticle('Second'))]);
    second.close();
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    expect(logRows(dir)).toBe(300); // a reader still at the first graph can replay them
    const third = open(dir);
    third.writeArticles([await articleWrite('c', longArticle('Third'))]);
    third.close();
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    expect(logRows(dir)).toBe(300);
    // A graph file older than the log reaches back (a copy restored by hand) cannot be brought up
    // to date: the graph is rebuilt from the passages.
    rmSync(join(dir, 'vectors-3.hnsw'));
    writeFileSync(join(dir, 'vectors-1.hnsw'), first);
    const notices: string[] = [];
    const reopened = open(dir, notices);
    expect(reopened.nearest(anyVector, 1000)).toHaveLength(601);
    expect(notices).toEqual(['rebuilding the vector index from 601 stored passages']);
    reopened.close();
  });

  it('checkpointed, leaves that save to checkpoint(), which reads and writes the file off the event loop', async () => {
    const dir = await indexOfOneArticle();
    const writer = openCheckpointed(dir);
    writer.writeArticles([await articleWrite('b', ['A small write stays in the log.'])]);
    await writer.checkpoint();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    writer.writeArticles([await articleWrite('c', longArticle('Long'))]);
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    expect(await loopTurnsDuring(() => writer.checkpoint())).toBe(true);
    expect(graphFiles(dir)).toEqual(['vectors-3.hnsw']);
    expect(logRows(dir)).toBe(301); // the log since the graph saved before (a reader may still be there)
    writer.close();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(302);
    expect(notices).toEqual([]);
    reader.close();
  });

  it('is saved by a reader from the graph it holds, while its own process holds the lock', async () => {
    const dir = await indexOfOneArticle();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 10)).toHaveLength(1); // its graph is in memory
    const writer = openCheckpointed(dir);
    writer.writeArticles([await articleWrite('b', longArticle('Long'))]);
    expect(await loopTurnsDuring(() => reader.checkpoint())).toBe(true);
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    expect(logRows(dir)).toBe(300);
    await writer.checkpoint(); // nothing left for the writer to load or save
    writer.close();
    expect(reader.nearest(anyVector, 1000)).toHaveLength(301);

    // Without the lock, a reader writes nothing: another process may be writing.
    const other = openCheckpointed(dir);
    other.writeArticles([await articleWrite('c', longArticle('Other'))]);
    other.close();
    await reader.checkpoint();
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    reader.close();
    const reopened = openReader(dir, notices);
    expect(reopened.nearest(anyVector, 1000)).toHaveLength(601);
    expect(notices).toEqual([]);
    reopened.close();
  });

  it('takes a write into the graph a reader holds a slice at a time, searches answering in between', async () => {
    const dir = tempDir();
    const store = open(dir);
    store.writeArticles([await articleWrite('a', ['First article.']), await articleWrite('b', ['Second article.'])]);
    store.close();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 10)).toHaveLength(2);
    const writer = openCheckpointed(dir);
    writer.removeArticles(['b']);
    writer.writeArticles([await articleWrite('c', longArticle('Long').slice(0, 200))]);
    // Searches while the reader catches up see the graph as far as it got, never a change twice.
    const seen: number[] = [];
    let done = false;
    const watch = () => {
      if (done) return;
      seen.push(reader.nearest(anyVector, 1000).length);
      setImmediate(watch);
    };
    setImmediate(watch);
    await reader.checkpoint();
    done = true;
    writer.close();
    expect(seen.some((count) => count > 2 && count < 201)).toBe(true);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(201);
    expect(reader.passages(reader.nearest(anyVector, 1000).map((hit) => hit.id)).map((p) => p.text)).not.toContain('Second article.');
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']); // 201 changes: left to the log
    expect(notices).toEqual([]);
    reader.close();
  });

  it('opens an index made before the passage log, and logs and replays its writes from then on', async () => {
    const dir = tempDir();
    const store = open(dir);
    store.writeArticles([await articleWrite('a', ['Cairo talks resumed on Thursday.'])]);
    store.close();
    // As an earlier version left it: no log table, no log keys, generation 1 with its graph file.
    const db = new Database(join(dir, 'newsq.sqlite'));
    db.exec("DROP TABLE passage_log; DELETE FROM meta WHERE key LIKE 'passage_log_%'");
    db.close();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 10)).toHaveLength(1);
    const writer = open(dir);
    writer.writeArticles([await articleWrite('b', ['Sinai border crossing reopened.'])]);
    writer.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']); // logged, not saved
    expect(reader.nearest(anyVector, 10)).toHaveLength(2);
    expect(notices).toEqual([]);
    reader.close();
  });

  it('refuses an index built with another model, naming the difference and the fix', async () => {
    const dir = tempDir();
    open(dir).close();
    const other = { ...identity, model: 'other/model', dimensions: 384 };
    expect(() => openSqliteStore({ dir, identity: other, hnsw, writable: true })).toThrow(
      /model is "fake\/bag-of-words" in the index but "other\/model" now; dimensions is 32 in the index but 384 now\. Rebuild it with: newsq index <folder> --rebuild/,
    );
  });

  it('starts empty with reset, and readers see no index where there is none', async () => {
    const dir = tempDir();
    expect(openSqliteStore({ dir: join(dir, 'none'), identity, hnsw, writable: false })).toBeNull();
    const store = open(dir);
    store.writeArticles([await articleWrite('a', ['Text.'])]);
    store.close();
    const reset = openSqliteStore({ dir, identity: { ...identity, dimensions: 32 }, hnsw, writable: true, reset: true })!;
    expect(reset.stats()).toMatchObject({ articles: 0, passages: 0 });
    reset.close();
  });
});

describe('one writer at a time, readers following', () => {
  it('refuses a second writer while the first holds the lock, and lets it in after', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.close();
    // Another live process holding the lock: a child that sleeps.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: sleeper.pid, since: '2026-01-01T00:00:00.000Z' }));
      expect(() => open(dir)).toThrow(new RegExp(`another newsq process \\(pid ${sleeper.pid}\\) has been writing to .* since 2026-01-01`));
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
    }
    const notices: string[] = [];
    const after = open(dir, notices);
    expect(notices).toEqual([`cleared a stale write lock left by pid ${sleeper.pid} in ${dir}`]);
    after.close();
    expect(existsSync(join(dir, 'write.lock'))).toBe(false);
  });

  it('lets a reader see what a writer commits, without reopening', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['First article about Cairo talks.'])]);
    writer.flush();
    const reader = openReader(dir);
    const fake = createFakeEmbedder(32);
    const find = async (text: string) => reader.passages(reader.nearest((await fake.embed([text]))[0], 1).map((h) => h.id))[0]?.text;
    expect(await find('Cairo talks')).toBe('First article about Cairo talks.');
    writer.writeArticles([await articleWrite('b', ['Second article on Sinai refugees.'])]);
    writer.flush();
    expect(await find('Sinai refugees')).toBe('Second article on Sinai refugees.');
    expect(reader.stats().articles).toBe(2);
    writer.close();
    reader.close();
  });
});

describe('a reader following small writes', () => {
  it('replays added and removed passages on the graph it holds', async () => {
    const dir = tempDir();
    const fake = createFakeEmbedder(32);
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['Cairo talks resumed on Thursday.']), await articleWrite('b', ['Sinai border crossing reopened.'])]);
    writer.flush();
    const reader = openReader(dir);
    const nearestTexts = async (text: string) => reader.passages(reader.nearest((await fake.embed([text]))[0], 10).map((h) => h.id)).map((p) => p.text);
    expect(await nearestTexts('Sinai crossing')).toHaveLength(2);
    const [removedId] = reader.lexical('Sinai', 1).map((hit) => hit.id);
    writer.close();
    // A short-lived writer, as the write API opens: it never loads the graph.
    const small = open(dir);
    small.removeArticles(['b']);
    small.writeArticles([await articleWrite('c', ['Rafah crossing closed again.'])]);
    small.close();
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    // The graph itself answers without the removed passage, before hydration could drop it.
    const graphIds = reader.nearest((await fake.embed(['crossing']))[0], 10).map((hit) => hit.id);
    expect(graphIds).toHaveLength(2);
    expect(graphIds).not.toContain(removedId);
    expect((await nearestTexts('Rafah crossing'))[0]).toBe('Rafah crossing closed again.');
    expect(await nearestTexts('Sinai crossing')).not.toContain('Sinai border crossing reopened.');
    reader.close();
  });
});

describe('a reader following a long write', () => {
  const paragraphs = longArticle('Long');

  it('switches to the graph the writer saved at its end', async () => {
    const dir = await indexOfOneArticle();
    const reader = openReader(dir);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(1);
    const writer = open(dir);
    writer.writeArticles([await articleWrite('b', paragraphs)]);
    writer.close();
    expect(graphFiles(dir)).toEqual(['vectors-2.hnsw']);
    // The file is read off the event loop: the search that finds it still answers from the graph held.
    expect(reader.nearest(anyVector, 1000)).toHaveLength(1);
    await vi.waitFor(() => expect(reader.nearest(anyVector, 1000)).toHaveLength(301));
    reader.close();
  });

  it('closed while it reads the newer file, stops quietly', async () => {
    const dir = await indexOfOneArticle();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(1);
    const writer = open(dir);
    writer.writeArticles([await articleWrite('b', paragraphs)]);
    writer.close();
    expect(reader.nearest(anyVector, 1000)).toHaveLength(1); // the newer file is being read
    reader.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notices).toEqual([]);
  });

  it('opened after its writer stopped before saving, replays the log whole: no writer will save the graph', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['First article.'])]);
    writer.flush();
    writer.writeArticles([await articleWrite('b', paragraphs)]);
    // Not closed: as if killed. The lock names this process, which a reader does not count as a writer at work.
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(301);
    expect(notices).toEqual([]);
    reader.close();
    writer.close();
  });

  it('already following, replays it whole when its writer stopped before saving', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['First article.'])]);
    writer.flush();
    const reader = openReader(dir);
    expect(reader.nearest(anyVector, 1000)).toHaveLength(1);
    writer.writeArticles([await articleWrite('b', paragraphs)]); // not saved: as if killed
    expect(graphFiles(dir)).toEqual(['vectors-1.hnsw']);
    // Replayed a slice at a time, between searches.
    const first = reader.nearest(anyVector, 1000).length;
    expect(first).toBeGreaterThan(1);
    expect(first).toBeLessThan(301);
    await vi.waitFor(() => expect(reader.nearest(anyVector, 1000)).toHaveLength(301));
    reader.close();
    writer.close();
  });
});

describe('a passage log that disagrees with the graph', () => {
  it('is not trusted: the graph is rebuilt from the passages, with a notice', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['Cairo talks resumed on Thursday.'])]);
    writer.close();
    const notices: string[] = [];
    const reader = openReader(dir, notices);
    expect(reader.nearest(anyVector, 10)).toHaveLength(1);
    // A commit whose log removes a passage the graph never held.
    const db = new Database(join(dir, 'newsq.sqlite'));
    db.exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; INSERT INTO passage_log (generation, passage_id, added) SELECT CAST(value AS INTEGER), 9999, 0 FROM meta WHERE key = 'generation'");
    db.close();
    expect(reader.nearest(anyVector, 10)).toHaveLength(1);
    expect(notices).toEqual([
      expect.stringMatching(/^the vector index disagrees with the passage log/),
      expect.stringMatching(/^the vector index disagrees with the passage log/),
      'rebuilding the vector index from 1 stored passages',
    ]);
    reader.close();
  });
});

describe('a reader opened while a writer is at work', () => {
  it('starts from the last saved graph instead of rebuilding, and follows the writer', async () => {
    const dir = tempDir();
    const fake = createFakeEmbedder(32);
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['Cairo talks resumed on Thursday.'])]);
    writer.flush();
    writer.writeArticles([await articleWrite('b', ['Sinai border crossing reopened.'])]); // committed, graph not saved yet
    // The lock as another live process would hold it.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: sleeper.pid, since: new Date().toISOString() }));
      const notices: string[] = [];
      const reader = openReader(dir, notices);
      const nearestText = async (text: string) => reader.passages(reader.nearest((await fake.embed([text]))[0], 1).map((h) => h.id))[0]?.text;
      expect(await nearestText('Cairo talks Thursday')).toBe('Cairo talks resumed on Thursday.');
      expect(notices).toEqual([]); // no rebuild
      expect(reader.lexical('Sinai crossing', 5).length).toBe(1); // the newer article is there in words already
      writer.flush();
      expect(await nearestText('Sinai border crossing')).toBe('Sinai border crossing reopened.');
      reader.close();
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
      writer.close();
    }
  });
});

describe('reading passages', () => {
  it('never serves a removed passage from what it read before', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', ['Egypt fears refugees crossing into Sinai. Cairo objects.', 'Talks continue.'])]);
    const reader = openReader(dir);
    const ids = reader.lexical('egypt talks', 10).map((hit) => hit.id);
    expect(ids).toHaveLength(2);
    // Read twice: the second read is answered from memory.
    for (let i = 0; i < 2; i++) {
      expect(reader.passages(ids)).toHaveLength(2);
      expect(reader.vectors(ids).size).toBe(2);
      expect(reader.sentences(ids).size).toBe(2);
    }
    writer.removeArticles(['a']);
    expect(reader.passages(ids)).toEqual([]);
    expect(reader.vectors(ids).size).toBe(0);
    expect(reader.sentences(ids).size).toBe(0);
    reader.close();
    writer.close();
  });
});

describe('lexical search', () => {
  // The store scores BM25 itself from FTS5's index; FTS5's own bm25() is the reference.
  const fts5Scores = (dir: string, words: string[], titleWeight = 0.5) => {
    const db = new Database(join(dir, 'newsq.sqlite'), { readonly: true });
    const match = words.map((word) => `"${word}"`).join(' OR ');
    const rows = db.prepare('SELECT rowid AS id, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts WHERE passages_fts MATCH ? ORDER BY score DESC').all(titleWeight, match) as { id: number; score: number }[];
    db.close();
    return rows;
  };
  const expectSameScores = (actual: { id: number; score: number }[], expected: { id: number; score: number }[]) => {
    expect(actual.map((hit) => hit.id).sort()).toEqual(expected.map((hit) => hit.id).sort());
    const reference = new Map(expected.map((hit) => [hit.id, hit.score]));
    for (const hit of actual) expect(hit.score).toBeCloseTo(reference.get(hit.id)!, 9);
    // Best first.
    expect(actual.map((hit) => hit.score)).toEqual([...actual.map((hit) => hit.score)].sort((a, b) => b - a));
  };
  const paragraphs = [
    'Egypt fears that Palestinians will be forced to flee into Sinai if the offensive goes ahead.',
    'Talks on a ceasefire resumed in Cairo, and talks about hostages stalled.',
    'Hostages were discussed at the talks; the offensive on Rafah was not.',
    'The café in Rafah served naïve visitors; Egypt’s officials opposed the plan.',
    'Running battles continued while the runners ran.',
    'Les négociations au Caire continuent ; محادثات في غزة.',
    ...Array.from({ length: 40 }, (_, i) => `Talks continued on day ${i} in the capital, officials said.`),
  ];

  it('gives every passage holding a question word the score FTS5 gives it, best first', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', paragraphs.slice(0, 20)), await articleWrite('b', paragraphs.slice(20), { title: 'Hostages and talks' })]);
    writer.close();
    const store = openReader(dir);
    // Stems (opposed/oppose, running/run), diacritics (café, naïve), other scripts, title words (hostages, talks).
    const questions: [string, string[]][] = [
      ['why does Egypt oppose a Rafah offensive', ['egypt', 'oppose', 'rafah', 'offensive']],
      ['ceasefire talks hostages', ['ceasefire', 'talks', 'hostages']],
      ['cafe naive running', ['cafe', 'naive', 'running']],
      ['négociations غزة', ['négociations', 'غزة']],
      // Two words of one stem count twice, as two phrases do in FTS5.
      ['running runners run battles', ['running', 'runners', 'run', 'battles']],
    ];
    for (const [question, words] of questions) expectSameScores(store.lexical(question, 1000), fts5Scores(dir, words));
    // The k best.
    const all = fts5Scores(dir, ['talks']);
    expect(store.lexical('talks', 5).map((hit) => hit.score)).toEqual(all.slice(0, 5).map((hit) => expect.closeTo(hit.score, 9)));
    expect(store.lexical('— ?! "*"', 10)).toEqual([]);
    expect(store.lexical('xylophone', 10)).toEqual([]);
    store.close();
  });

  it('weighs title words by titleWeight, as FTS5 does', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', paragraphs.slice(0, 5), { title: 'Hostages in Rafah' })]);
    writer.close();
    for (const titleWeight of [0, 2]) {
      const store = openSqliteStore({ dir, identity, hnsw, writable: false, titleWeight })!;
      expectSameScores(store.lexical('hostages rafah', 100), fts5Scores(dir, ['hostages', 'rafah'], titleWeight));
      store.close();
    }
  });

  it('follows writes: new and removed passages change the hits and their statistics', async () => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', paragraphs.slice(0, 5))]);
    const reader = openReader(dir);
    expect(reader.lexical('ceasefire', 10)).toHaveLength(1);
    writer.writeArticles([await articleWrite('b', ['A ceasefire was agreed.', 'The ceasefire held.'])]);
    expectSameScores(reader.lexical('ceasefire', 10), fts5Scores(dir, ['ceasefire']));
    expect(reader.lexical('ceasefire', 10)).toHaveLength(3);
    writer.removeArticles(['a']);
    expectSameScores(reader.lexical('ceasefire', 10), fts5Scores(dir, ['ceasefire']));
    expect(reader.lexical('ceasefire', 10)).toHaveLength(2);
    reader.close();
    writer.close();
  });

  it.each([0.5, 0, 2])('keeps scoring as FTS5 does while it takes writes in (title weight %s)', async (titleWeight) => {
    const dir = tempDir();
    const writer = open(dir);
    writer.writeArticles([await articleWrite('a', paragraphs.slice(0, 10)), await articleWrite('b', paragraphs.slice(10, 30), { title: 'Talks on hostages' })]);
    const reader = openSqliteStore({ dir, identity, hnsw, writable: false, titleWeight })!;
    const questions: [string, string[]][] = [
      ['ceasefire talks hostages', ['ceasefire', 'talks', 'hostages']],
      ['Egypt offensive Rafah', ['egypt', 'offensive', 'rafah']],
      ['capital officials', ['capital', 'officials']],
    ];
    const expectAllSame = () => {
      for (const [question, words] of questions) expectSameScores(reader.lexical(question, 1000), fts5Scores(dir, words, titleWeight));
    };
    expectAllSame(); // every word's postings now held in memory
    // New passages with some of the words (in text or title), none with others.
    writer.writeArticles([await articleWrite('c', ['A ceasefire in Rafah was agreed.', 'Nothing of note.'], { title: 'Egypt and the ceasefire' })]);
    expectAllSame();
    // Removed passages held words whose postings are in memory.
    writer.removeArticles(['a']);
    expectAllSame();
    // Both in one write: an article replaced.
    writer.writeArticles([await articleWrite('b', ['Officials in the capital spoke of talks.'], { title: 'Talks' })]);
    expectAllSame();
    writer.removeArticles(['b', 'c']);
    expect(reader.lexical('ceasefire talks hostages capital', 1000)).toEqual([]);
    reader.close();
    writer.close();
  });

  it('keeps to the filter', async () => {
    const dir = tempDir();
    const store = open(dir);
    store.writeArticles([
      await articleWrite('a', ['Talks in Cairo.', 'More talks.'], { source: 'The National' }),
      await articleWrite('b', ['Talks in Doha.'], { source: 'Reuters' }),
    ]);
    const texts = (hits: { id: number }[]) => store.passages(hits.map((hit) => hit.id)).map((passage) => passage.text).sort();
    expect(texts(store.lexical('talks', 10, { source: 'reuters' }))).toEqual(['Talks in Doha.']);
    expect(store.lexical('talks', 10)).toHaveLength(3);
    // The same filter after a write sees the new passages.
    store.writeArticles([await articleWrite('c', ['Talks in Amman.'], { source: 'Reuters' })]);
    expect(texts(store.lexical('talks', 10, { source: 'reuters' }))).toEqual(['Talks in Amman.', 'Talks in Doha.']);
    const [vector] = await createFakeEmbedder(32).embed(['Talks in Amman.']);
    expect(texts(store.nearest(vector, 10, { source: 'reuters' }))).toEqual(['Talks in Amman.', 'Talks in Doha.']);
    store.close();
  });
});
