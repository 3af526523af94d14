import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { parseFile } from '../src/ingest/parse.js';
import { createFakeEmbedder } from './helpers/fake-embedder.js';
import { sampleEngine } from './helpers/engine.js';
import { tempDir } from './helpers/fixtures.js';

describe('opening an engine to read', () => {
  it('opens the index while the model is still loading, and answers once it is there', async () => {
    const dir = tempDir();
    await (await sampleEngine(dir)).close();
    let loaded!: (embedder: ReturnType<typeof createFakeEmbedder>) => void;
    const loading = new Promise<ReturnType<typeof createFakeEmbedder>>((resolve) => (loaded = resolve));
    const opening = createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder: loading });
    loaded(createFakeEmbedder());
    const engine = await opening;
    const { results } = await engine.search({ query: 'Philadelphi Corridor', k: 3 });
    expect(results.length).toBe(3);
    await engine.close();
  });

  it('refuses an index built by another model, naming the difference, and releases the index', async () => {
    const dir = tempDir();
    await (await sampleEngine(dir)).close();
    const other = { ...createFakeEmbedder(), model: 'other/model' };
    const config = resolveConfig({}, { indexDir: dir });
    await expect(createEngine(config, { writable: false, embedder: other })).rejects.toMatchObject({
      code: 'index_mismatch',
      message: expect.stringContaining('model is "fake/bag-of-words" in the index but "other/model" now'),
    });
    // Nothing was left open: a writer gets the index.
    (await createEngine(config, { writable: true, embedder: createFakeEmbedder() })).close();
  });

  it('fails with no_index where there is none, and with the model’s own error when it cannot load', async () => {
    await expect(createEngine(resolveConfig({}, { indexDir: tempDir() }), { writable: false, embedder: createFakeEmbedder() })).rejects.toMatchObject({ code: 'no_index' });
    const dir = tempDir();
    await (await sampleEngine(dir)).close();
    const failing = Promise.reject(Object.assign(new Error('cannot load the model'), { code: 'model_unavailable' }));
    await expect(createEngine(resolveConfig({}, { indexDir: dir }), { writable: false, embedder: failing })).rejects.toMatchObject({ code: 'model_unavailable' });
  });
});

describe('headline-only articles', () => {
  it('indexes a headline alone, or a text that only repeats it, with its title as its passage; skips only an article with neither', async () => {
    const engine = await createEngine(resolveConfig({}, { indexDir: tempDir() }), { writable: true, embedder: createFakeEmbedder() });
    try {
      const flash = [
        { id: 'flash-1', title: 'FLASH: Egypt closes the Rafah crossing to aid convoys', source: 'Wire' },
        { id: 'flash-2', title: 'BRIEF: Qatar hosts ceasefire talks', text: 'BRIEF: Qatar hosts ceasefire talks' },
        { id: 'empty', text: '   ', source: 'Wire' },
        { id: 'full', title: 'Full story', text: 'A full story has a body that says more than its headline.' },
      ];
      const parsed = parseFile('flash.jsonl', Buffer.from(flash.map((item) => JSON.stringify(item)).join('\n')));
      const summary = await engine.sync([{ origin: '/feeds/flash.jsonl', ...parsed }]);
      expect(summary).toMatchObject({ articles: 3, added: 3 });
      expect(summary.skipped).toEqual([{ path: 'flash.jsonl:3', reason: expect.stringMatching(/^article: article has neither a title nor text/) }]);
      expect((await engine.article('flash-1'))?.paragraphs).toEqual(['FLASH: Egypt closes the Rafah crossing to aid convoys']);
      expect((await engine.article('flash-2'))?.paragraphs).toEqual(['BRIEF: Qatar hosts ceasefire talks']);
      const { results } = await engine.search({ query: 'Egypt closes Rafah crossing', k: 1 });
      expect(results[0].article.id).toBe('flash-1');

      // Everything boilerplate and no title: skipped, named by its line.
      const boilerplate = parseFile('more.jsonl', Buffer.from(`${JSON.stringify({ id: 'x', text: 'full story' })}\n${JSON.stringify({ id: 'y', text: 'Advertisement' })}\n`));
      const again = await engine.sync([{ origin: '/feeds/more.jsonl', ...boilerplate }]);
      expect(again.skipped).toEqual([{ path: 'more.jsonl:2', reason: 'no title, and no article text left after removing boilerplate' }]);
    } finally {
      await engine.close();
    }
  });
});

describe('article ids', () => {
  it('skips an article whose id no route could reach, however it was read, and indexes the rest', async () => {
    const engine = await createEngine(resolveConfig({}, { indexDir: tempDir() }), { writable: true, embedder: createFakeEmbedder() });
    try {
      const article = (id: string) => ({ id, title: 'A title', text: 'Some text.', url: null, source: null, published: null, path: id });
      const summary = await engine.sync([{ origin: '/folder', articles: [article('odd\nname.txt'), article('fine.txt')], skipped: [] }]);
      expect(summary.added).toBe(1);
      expect(summary.skipped).toEqual([{ path: 'odd\nname.txt', reason: expect.stringMatching(/^the id "odd\\nname.txt" must be 1 to 1024 characters/) }]);
    } finally {
      await engine.close();
    }
  });
});
