import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, type IndexIdentity } from '../../src/store/manifest.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { tempDir } from '../helpers/fixtures.js';
import { postgresForFile } from '../helpers/postgres.js';
import { articleWrite, lexicalTexts, nearestTexts, storeContract, write } from './store.contract.js';

const identity: IndexIdentity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };
const hnsw = { m: 16, efConstruction: 100, efSearch: 50 };
const postgres = postgresForFile();
const open = async (dir: string, owner = true) => (await openPostgresStore({ url: await (await postgres()).database(dir), identity, hnsw, owner, titleWeight: 0.5 }))!;

storeContract('PostgreSQL', (dir) => open(dir), { persistent: true });

describe('PostgreSQL store', () => {
  it('opens as no index for a reader of an empty database, and creates none', async () => {
    const dir = tempDir();
    expect(await openPostgresStore({ url: await (await postgres()).database(dir), identity, hnsw, owner: false, titleWeight: 0.5 })).toBeNull();
    expect(await openPostgresStore({ url: await (await postgres()).database(dir), identity, hnsw, owner: false, titleWeight: 0.5 })).toBeNull();
  });

  it('refuses an index built with another model, naming the difference', async () => {
    const dir = tempDir();
    await (await open(dir)).close();
    const other = { ...identity, model: 'other/model' };
    await expect(openPostgresStore({ url: await (await postgres()).database(dir), identity: other, hnsw, owner: true, titleWeight: 0.5 })).rejects.toMatchObject({
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
      await write(writer, await articleWrite(`a${i}`, [`Unique${i} words about Rafah number ${i}.`]));
      expect(await nearestTexts(reader.reader, `Unique${i} words about Rafah number ${i}.`, 1)).toEqual([`Unique${i} words about Rafah number ${i}.`]);
      expect(await lexicalTexts(reader.reader, `unique${i}`)).toEqual([`Unique${i} words about Rafah number ${i}.`]);
    }
    await writer.close();
    await reader.close();
  });

  it('saves the graph in the database, and a new store starts from it', async () => {
    const dir = tempDir();
    const store = await open(dir);
    const paragraphs = Array.from({ length: 300 }, (_, i) => `Paragraph number ${i} about item${i}.`);
    await write(store, await articleWrite('long', paragraphs));
    await store.close();
    const notices: string[] = [];
    const reopened = (await openPostgresStore({ url: await (await postgres()).database(dir), identity, hnsw, owner: false, titleWeight: 0.5, onNotice: (m) => notices.push(m) }))!;
    expect(await nearestTexts(reopened.reader, 'Paragraph number 7 about item7.', 1)).toEqual(['Paragraph number 7 about item7.']);
    expect(notices).toEqual([]);
    await reopened.close();
  });
});
