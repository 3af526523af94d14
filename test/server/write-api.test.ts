import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { createApp } from '../../src/server/app.js';
import { sampleEngine } from '../helpers/engine.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';

describe('write API, on a serving (reading) engine', () => {
  let dir: string;
  let engine: Engine;
  let app: ReturnType<typeof createApp>;
  const embedder = createFakeEmbedder();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'newsq-write-'));
    await (await sampleEngine(dir, embedder)).close();
    // Like `serve`: a reader, which writes through a short-lived writer holding the lock.
    engine = await createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder });
    app = createApp(engine, { apiKey: 'key' });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = { authorization: 'Bearer key', 'content-type': 'application/json' };
  const post = (body: unknown) => app.request('/articles', { method: 'POST', headers: auth, body: JSON.stringify(body) });

  it('indexes posted articles and returns their ids; search finds them at once', async () => {
    const response = await post([
      { id: 'wire-9', title: 'Quokka diplomacy', text: 'Quokka envoys reached Perth on Sunday for talks.', source: 'WA Today', published: '2024-05-01' },
      { title: 'No id given', body: 'A second posted article about kelp forests.' },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ids: string[]; added: number; embedded: number };
    expect(body.ids[0]).toBe('wire-9');
    expect(body.ids[1]).toMatch(/^api\/[0-9a-f]{16}$/);
    expect(body).toMatchObject({ added: 2, embedded: 2 });
    const search = (await (await app.request('/search?q=quokka+envoys+Perth&k=1', { headers: auth })).json()) as { results: { article: { id: string; source: string } }[] };
    expect(search.results[0].article).toMatchObject({ id: 'wire-9', source: 'WA Today' });
    expect(((await (await app.request('/health')).json()) as { articles: number }).articles).toBe(7);
  });

  it('replaces an article posted again under the same id, and deletes by id', async () => {
    const again = (await (await post({ id: 'wire-9', text: 'Quokka envoys left Perth.' })).json()) as { updated: number };
    expect(again.updated).toBe(1);
    expect((await app.request('/articles/wire-9', { method: 'DELETE', headers: auth })).status).toBe(200);
    const gone = await app.request('/articles/wire-9', { method: 'DELETE', headers: auth });
    expect(gone.status).toBe(404);
    expect(((await (await app.request('/health')).json()) as { articles: number }).articles).toBe(6);
  });

  it('requires the API key for writes, and rejects bodies that are not articles', async () => {
    expect((await app.request('/articles', { method: 'POST', body: '{"text":"x"}' })).status).toBe(401);
    expect((await app.request('/articles/x', { method: 'DELETE' })).status).toBe(401);
    for (const body of [{ source: 'neither title nor text' }, [], 5, 'text']) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
  });
});

describe('write API, writes posted at once', () => {
  it('applies them one after another, so the saved graph holds every passage after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsq-writes-'));
    try {
      const fake = createFakeEmbedder();
      await (await sampleEngine(dir, fake)).close();
      // The model takes a while, as the real one does: a second write arrives while the first is
      // between its groups of passages.
      const embedder = { ...fake, embedPassages: async (...args: Parameters<typeof fake.embedPassages>) => (await sleep(20), fake.embedPassages(...args)) };
      const notices: string[] = [];
      const config = resolveConfig({}, { indexDir: dir });
      const serving = await createEngine(config, { writable: false, embedder, onNotice: (notice) => notices.push(notice) });
      const app = createApp(serving);
      const post = (body: unknown) => app.request('/articles', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      // 1,200 passages: two commit groups, and past the log's limit, so the first writer loads the graph.
      const bulk = Array.from({ length: 12 }, (_, a) => ({
        id: `bulk-${a}`,
        text: Array.from({ length: 100 }, (_, p) => `Bulk report ${a} paragraph ${p} lists tide gauge ${a * 100 + p} readings along the shore.`).join('\n\n'),
      }));
      const [big, small] = await Promise.all([post(bulk), sleep(5).then(() => post({ id: 'needle', text: 'The narwhal census counted every narwhal on the coast.' }))]);
      expect([big.status, small.status]).toEqual([200, 200]);
      expect(((await big.json()) as { embedded: number }).embedded).toBe(1200);
      expect(notices.filter((notice) => notice.includes('write lock'))).toEqual([]);
      await serving.close();

      // A restart loads the newest graph file: the passage must be in it, not only in the log.
      const restarted = await createEngine(config, { writable: false, embedder: fake, onNotice: (notice) => notices.push(notice) });
      try {
        const { results } = await restarted.search({ query: 'narwhal census', k: 1, mode: 'dense' });
        expect(results[0].article.id).toBe('needle');
        expect(notices.filter((notice) => notice.includes('rebuilding'))).toEqual([]);
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a committed write even when the graph cannot be saved, and loses none of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsq-unsaved-'));
    try {
      const fake = createFakeEmbedder();
      await (await sampleEngine(dir, fake)).close();
      const db = new Database(join(dir, 'newsq.sqlite'), { readonly: true });
      const generation = Number(db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'generation'").get()!.value);
      db.close();
      // Where the graph of the write's generation is first written, a folder appears while the
      // passages are embedded (after the writer cleared leftovers): the save fails after the
      // commit, as on a full disk.
      const blocker = join(dir, `vectors-${generation + 1}.hnsw.tmp-${process.pid}`);
      const embedder = { ...fake, embedPassages: (...args: Parameters<typeof fake.embedPassages>) => (mkdirSync(blocker, { recursive: true }), fake.embedPassages(...args)) };
      const notices: string[] = [];
      const config = resolveConfig({}, { indexDir: dir });
      const serving = await createEngine(config, { writable: false, embedder, onNotice: (notice) => notices.push(notice) });
      await serving.search({ query: 'Rafah', k: 1 }); // the server holds its graph
      const text = Array.from({ length: 300 }, (_, p) => `Lighthouse log ${p} notes the keeper's lamp oil in barrel ${p}.`).join('\n\n');
      const response = await createApp(serving).request('/articles', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'lighthouse', text }) });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { embedded: number }).embedded).toBe(300);
      expect(notices.filter((notice) => notice.startsWith('the write is committed, but the vector graph could not be saved'))).toHaveLength(1);
      expect(readdirSync(dir).filter((file) => /^vectors-\d+\.hnsw$/.test(file))).toEqual([`vectors-${generation}.hnsw`]);
      expect((await serving.search({ query: 'lamp oil barrel', k: 1, mode: 'dense' })).results[0].article.id).toBe('lighthouse');
      await serving.close();

      // Restarted (the disk has room again), the older graph catches up from the log.
      rmSync(blocker, { recursive: true });
      const restarted = await createEngine(config, { writable: false, embedder: fake, onNotice: (notice) => notices.push(notice) });
      try {
        expect((await restarted.search({ query: 'lamp oil barrel', k: 1, mode: 'dense' })).results[0].article.id).toBe('lighthouse');
        expect(notices.filter((notice) => notice.includes('rebuilding'))).toEqual([]);
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('write API, followed by dense search', () => {
  it('finds every write in dense search at once, one change or many, and never a removed passage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsq-follow-'));
    const embedder = createFakeEmbedder();
    await (await sampleEngine(dir, embedder)).close();
    const serving = await createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder });
    try {
      const app = createApp(serving);
      const post = (body: unknown) => app.request('/articles', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const topDense = async (query: string) => (await serving.search({ query, k: 1, mode: 'dense' })).results[0];
      const words = ['quantum', 'marzipan', 'hummingbird', 'titicaca', 'zeppelin', 'okapi', 'saffron', 'glacier'];
      for (let round = 0; round < words.length; round++) {
        // Even rounds write one passage; odd ones write 40, more than one replay slice.
        const paragraphs = round % 2 === 0 ? 1 : 40;
        const text = Array.from({ length: paragraphs }, (_, p) => `${words[round]} report ${round} item ${p} ${words[round]} ${words[round]}`).join('\n\n');
        expect((await post({ id: `story-${round}`, text })).status).toBe(200);
        const hit = await topDense(`${words[round]} report ${round} item 0 ${words[round]} ${words[round]}`);
        expect(hit.article.id, `round ${round}`).toBe(`story-${round}`);
        expect(hit.score).toBeGreaterThan(0.99);
      }
      for (const round of [0, 1, 2, 3]) {
        expect((await app.request(`/articles/story-${round}`, { method: 'DELETE' })).status).toBe(200);
        for (let ask = 0; ask < 3; ask++) {
          const { results } = await serving.search({ query: `${words[round]} report ${round} item 0`, k: 10, mode: 'dense' });
          expect(results.map((result) => result.article.id)).not.toContain(`story-${round}`);
        }
      }
      expect((await topDense(`${words[7]} report 7 item 0 ${words[7]} ${words[7]}`)).article.id).toBe('story-7');
    } finally {
      await serving.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
