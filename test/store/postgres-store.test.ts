import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import type { ArticleInput } from '../../src/ingest/article.js';
import { hashInput, prepareArticle } from '../../src/ingest/prepare.js';
import { syncArticles, type SyncProgress } from '../../src/sync.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';
import { FORMAT_VERSION, type IndexIdentity } from '../../src/store/manifest.js';
import { copiedValues } from '../../src/store/postgres/copy-binary.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { tempDir } from '../helpers/fixtures.js';
import { postgresForFile } from '../helpers/postgres.js';
import { articleWrite, lexicalTexts, nearestTexts, storeContract, write } from './store.contract.js';

const identity: IndexIdentity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };
const hnsw = { m: 16, efConstruction: 100, efSearch: 50 };
const postgres = postgresForFile();
const settings = { identity, hnsw, titleWeight: 0.5, claimSeconds: 30, claimPassages: 256 };
const openAt = async (dir: string, options: Partial<Parameters<typeof openPostgresStore>[0]> & { owner: boolean }) =>
  openPostgresStore({ ...settings, url: await (await postgres()).database(dir), ...options });
const open = async (dir: string, owner = true) => (await openAt(dir, { owner }))!;

storeContract('PostgreSQL', (dir) => open(dir), { persistent: true });

describe('PostgreSQL store', () => {
  it('opens as no index for a reader of an empty database, and creates none', async () => {
    const dir = tempDir();
    expect(await openAt(dir, { owner: false })).toBeNull();
    expect(await openAt(dir, { owner: false })).toBeNull();
  });

  it('refuses an index built with another model, naming the difference', async () => {
    const dir = tempDir();
    await (await open(dir)).close();
    const other = { ...identity, model: 'other/model' };
    await expect(openAt(dir, { identity: other, owner: true })).rejects.toMatchObject({
      code: 'index_mismatch',
      message: expect.stringContaining('model is "fake/bag-of-words" in the index but "other/model" now'),
    });
  });

  it('lets a second process-like store follow what another writes, dense and lexical', async () => {
    const dir = tempDir();
    const writer = await open(dir);
    const reader = await open(dir, false);
    await reader.reader.refresh();
    for (let i = 0; i < 5; i++) {
      const text = `Unique${i} words about Rafah number ${i}.`;
      await write(writer, await articleWrite(`a${i}`, [text]));
      // The other process hears of the commit by a notification: within a second, not at once.
      const written = Date.now();
      while ((await lexicalTexts(reader.reader, `unique${i}`)).length === 0 && Date.now() - written < 1000) await sleep(5);
      expect(await nearestTexts(reader.reader, text, 1)).toEqual([text]);
      expect(await lexicalTexts(reader.reader, `unique${i}`)).toEqual([text]);
    }
    await writer.close();
    await reader.close();
  });

  it('hears of commits again when its listening connection goes silent (a partition): it stops trusting it and asks', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await write(first, await articleWrite('before', ['Words about harbours.']));
    await first.close();
    // The reader alone listens, once it has read the index.
    const reader = await open(dir, false);
    expect(await nearestTexts(reader.reader, 'Words about harbours.', 1)).toEqual(['Words about harbours.']);
    const admin = new pg.Client({ connectionString: await (await postgres()).database(dir) });
    await admin.connect();
    // The listening connection, once it listens and has read the generation (its last statement).
    const listener = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'newsq listener' AND datname = current_database() AND state = 'idle' AND query LIKE 'SELECT value FROM meta%'",
        )
      ).rows;
    let silenced: number | null = null;
    const writer = await open(dir);
    try {
      for (const deadline = Date.now() + 5_000; (await listener()).length === 0 && Date.now() < deadline; ) await sleep(20);
      [{ pid: silenced }] = await listener();
      // Its server process stopped: the connection stays open, and says nothing more.
      process.kill(silenced, 'SIGSTOP');
      await write(writer, await articleWrite('after', ['Words about lighthouses.']));
      const written = Date.now();
      // The graph changes only as the log says: a dense search shows what the reader has heard of.
      const nearest = () => nearestTexts(reader.reader, 'Words about lighthouses.', 1);
      while ((await nearest())[0] !== 'Words about lighthouses.' && Date.now() - written < 15_000) await sleep(100);
      expect(await nearest()).toEqual(['Words about lighthouses.']);
    } finally {
      if (silenced) process.kill(silenced, 'SIGCONT');
      await admin.end();
    }
    await writer.close();
    await reader.close();
  }, 30_000);

  it('saves the graph in the database, and a new store starts from it', async () => {
    const dir = tempDir();
    const store = await open(dir);
    const paragraphs = Array.from({ length: 300 }, (_, i) => `Paragraph number ${i} about item${i}.`);
    await write(store, await articleWrite('long', paragraphs));
    await store.close();
    const notices: string[] = [];
    const reopened = (await openAt(dir, { owner: false, onNotice: (m) => notices.push(m) }))!;
    expect(await nearestTexts(reopened.reader, 'Paragraph number 7 about item7.', 1)).toEqual(['Paragraph number 7 about item7.']);
    expect(notices).toEqual([]);
    await reopened.close();
  });
});

describe('PostgreSQL store: two processes saving the graph at once', () => {
  it('one saves it, the other leaves it, and a new store loads it whole', async () => {
    const dir = tempDir();
    const [a, b] = [await open(dir), await open(dir)];
    const [first, second] = [await a.writer(), await b.writer()];
    await first.writeArticles([await articleWrite('long', Array.from({ length: 400 }, (_, i) => `Paragraph number ${i} about item${i}.`))]);
    await Promise.all([first.flush(), second.flush(), first.flush()]);
    const client = new pg.Client({ connectionString: await (await postgres()).database(dir) });
    await client.connect();
    const { rows } = await client.query<{ generation: number; bytes: string; stored: string }>(
      'SELECT s.generation, s.bytes, (SELECT SUM(length(data)) FROM graph_chunks c WHERE c.generation = s.generation) AS stored FROM graph_snapshots s',
    );
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.stored).toBe(row.bytes);
    const notices: string[] = [];
    const reopened = (await openAt(dir, { owner: false, onNotice: (m) => notices.push(m) }))!;
    expect(await nearestTexts(reopened.reader, 'Paragraph number 123 about item123.', 1)).toEqual(['Paragraph number 123 about item123.']);
    expect(notices).toEqual([]);
    for (const store of [reopened, a, b]) await store.close();
  });
});

describe('PostgreSQL store: indexing shared by workers', () => {
  const articles: ArticleInput[] = Array.from({ length: 40 }, (_, i) => ({
    id: `doc${i}`,
    title: `Report ${i}`,
    url: null,
    source: null,
    published: null,
    path: null,
    text: Array.from({ length: 6 }, (_, p) => `Paragraph ${p} of report ${i} on topic${i % 7}, with words enough to stand alone.`).join('\n\n'),
  }));
  const source = { origin: '/archive', articles, skipped: [] };
  const windows = { maxTokens: 256, countTokens: (text: string) => text.split(/\s+/).length + 2 };
  const queued = (input: ArticleInput) => ({ origin: '/archive', hash: hashInput(input), prepared: prepareArticle(input, windows) });

  /** A worker: its own store (its own connections), and an embedder that takes a little time per batch. */
  const worker = async (dir: string, options: { claimSeconds?: number; claimPassages?: number } = {}) => {
    const store = (await openAt(dir, { owner: true, claimPassages: 12, ...options }))!;
    const embedder = createFakeEmbedder(32);
    const embedPassages = embedder.embedPassages.bind(embedder);
    embedder.embedPassages = async (passages, onBatch) => {
      await sleep(50);
      return embedPassages(passages, onBatch);
    };
    const writer = await store.writer();
    const sync = (progress?: (p: SyncProgress) => void) =>
      syncArticles({ writer, embedder, batchSize: 32, articleCount: async () => (await store.reader.stats()).articles }, [source], progress);
    return { store, writer, embedder, sync };
  };
  const sql = async <T>(dir: string, text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: await (await postgres()).database(dir) });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const doubled = (dir: string) => sql(dir, 'SELECT article_id, paragraph, window_index FROM passages GROUP BY 1, 2, 3 HAVING COUNT(*) > 1');

  it('two workers syncing one folder each embed part of it, every passage once, and both show the whole job', async () => {
    const dir = tempDir();
    const [a, b] = [await worker(dir), await worker(dir)];
    const progress: SyncProgress[] = [];
    const [first, second] = await Promise.all([a.sync((p) => progress.push(p)), b.sync()]);
    const { passages } = await a.store.reader.stats();
    expect(first.added + second.added).toBe(40);
    expect(first.added).toBeGreaterThan(0);
    expect(second.added).toBeGreaterThan(0);
    expect(first.embedded + second.embedded).toBe(passages);
    expect(a.embedder.embedded + b.embedder.embedded).toBe(passages);
    expect(await doubled(dir)).toEqual([]);
    // Progress counts the other worker's batches too, and ends with the whole job done.
    expect(Math.max(...progress.map((p) => p.passagesDone))).toBeGreaterThan(first.embedded);
    expect(progress.at(-1)).toMatchObject({ articlesDone: 40, articlesTotal: 40, passagesDone: passages });
    expect(await sql(dir, 'SELECT * FROM embed_queue')).toEqual([]);
    expect(await nearestTexts(a.store.reader, 'Paragraph 3 of report 17 on topic3, with words enough to stand alone.', 1)).toEqual([
      'Paragraph 3 of report 17 on topic3, with words enough to stand alone.',
    ]);
    const again = await b.sync();
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 40, embedded: 0 });
    for (const w of [a, b]) {
      await w.writer.close();
      await w.store.close();
    }
  });

  it('takes over the batch of a worker that died once its claim expires, and writes it once', async () => {
    const dir = tempDir();
    const dead = await worker(dir, { claimSeconds: 1 });
    await dead.writer.queue!.enqueue(articles.map(queued));
    const held = (await dead.writer.queue!.claim(['/archive']))!;
    expect(held.articles.length).toBeGreaterThan(0);
    // It dies holding its claim: its connections close, nothing is committed.
    await dead.store.close();
    const alive = await worker(dir, { claimSeconds: 1 });
    const summary = await alive.sync();
    expect(summary.added).toBe(40);
    const [{ n }] = await sql<{ n: number }>(dir, 'SELECT COUNT(*)::int AS n FROM passages');
    expect(n).toBe(40 * 6);
    expect(await doubled(dir)).toEqual([]);
    await alive.writer.close();
    await alive.store.close();
  });

  it('queues again an article marked done whose stored copy is gone, and leaves one that is stored', async () => {
    const dir = tempDir();
    const w = await worker(dir, { claimPassages: 6 });
    const queue = w.writer.queue!;
    await queue.enqueue(articles.slice(0, 2).map(queued));
    const claim = (await queue.claim(['/archive']))!;
    expect(claim.articles).toHaveLength(1);
    const [first] = claim.articles;
    const write = { ...(await articleWrite(first.prepared.article.id, first.prepared.article.paragraphs, {}, '/archive')), hash: first.hash };
    expect(await claim.commit([write])).toHaveLength(1);
    // The job is not over (one article waits), so its row stays, done.
    await queue.enqueue([queued(articles.find((a) => a.id === first.prepared.article.id)!)]);
    expect((await queue.progress(['/archive'])).articlesDone).toBe(1);
    await w.writer.removeArticles([first.prepared.article.id]);
    await queue.enqueue([queued(articles.find((a) => a.id === first.prepared.article.id)!)]);
    expect((await queue.progress(['/archive'])).articlesDone).toBe(0);
    await w.writer.close();
    await w.store.close();
  });

  it('writes nothing for a claim that expired and was taken over, even when its worker commits late', async () => {
    const dir = tempDir();
    const [slow, quick] = [await worker(dir, { claimSeconds: 1 }), await worker(dir, { claimSeconds: 1 })];
    await slow.writer.queue!.enqueue(articles.slice(0, 3).map(queued));
    const late = (await slow.writer.queue!.claim(['/archive']))!;
    await sleep(1_200);
    const taken = (await quick.writer.queue!.claim(['/archive']))!;
    expect(taken.articles.map((a) => a.prepared.article.id).sort()).toEqual(late.articles.map((a) => a.prepared.article.id).sort());
    const writes = await Promise.all(late.articles.map((a) => articleWrite(a.prepared.article.id, a.prepared.article.paragraphs, {}, '/archive')));
    expect(late.articles.length).toBeGreaterThan(0);
    expect(await taken.commit(writes)).toHaveLength(late.articles.length);
    expect(await late.commit(writes)).toEqual([]);
    expect((await quick.store.reader.stats()).articles).toBe(late.articles.length);
    expect(await doubled(dir)).toEqual([]);
    for (const w of [slow, quick]) {
      await w.writer.close();
      await w.store.close();
    }
  });
});

describe('PostgreSQL store: values read by binary COPY', () => {
  // Values of every size a graph's chunks come in: empty, one byte, a part of a network read, many.
  const sizes = [0, 1, 5, 70_000, 300_000, 3];
  const copied = async (pieces: (data: Buffer) => Buffer[]) => {
    const client = new pg.Client({ connectionString: await (await postgres()).database(tempDir()) });
    await client.connect();
    try {
      const values = sizes.map((size, n) => `(${n}, decode(repeat(lpad(to_hex(${n} + 16), 2, '0'), ${size}), 'hex'))`).join(', ');
      const stream = client.query(copyTo(`COPY (SELECT data FROM (VALUES ${values}) AS v (n, data) ORDER BY n) TO STDOUT (FORMAT binary)`));
      const data = await concatenated(stream);
      return await concatenated(copiedValues(Readable.from(pieces(data))));
    } finally {
      await client.end();
    }
  };
  const concatenated = async (stream: AsyncIterable<Buffer>) => {
    const all: Buffer[] = [];
    for await (const piece of stream) all.push(piece);
    return Buffer.concat(all);
  };
  const expected = Buffer.concat(sizes.map((size, n) => Buffer.alloc(size, n + 16)));

  it('passes on every value whole and in order, however the stream is cut', async () => {
    expect((await copied((data) => [data])).equals(expected)).toBe(true);
    for (const cut of [1, 2, 7, 18, 19, 20, 25, 4096]) {
      const pieces = (data: Buffer) => Array.from({ length: Math.ceil(data.length / cut) }, (_, i) => data.subarray(i * cut, (i + 1) * cut));
      expect((await copied(pieces)).equals(expected), `cut every ${cut} bytes`).toBe(true);
    }
  });

  it('fails on a stream that stops before its end, or that is not binary COPY', async () => {
    await expect(copied((data) => [data.subarray(0, data.length - 2)])).rejects.toThrow(/stop before their end/);
    await expect(copied((data) => [data.subarray(0, 100_000)])).rejects.toThrow(/stop before their end/);
    await expect(copied((data) => [Buffer.from('id,data\n1,2\n'), data])).rejects.toThrow(/no binary COPY signature/);
  });
});
