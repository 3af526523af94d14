import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createEngine, inspectIndex } from '../../src/engine.js';
import { createFakeEmbedder } from '../helpers/fake-embedder.js';
import { ROOT, tempDir } from '../helpers/fixtures.js';

// An index written by newsq before its own lexical tables (format 2: FTS5), by the fake model.
const FIXTURE = join(ROOT, 'test', 'fixtures', 'index-format-2');
const REFUSAL = 'the index was built differently: formatVersion is 2 in the index but 3 now. Rebuild it with: newsq index <folder> --rebuild';

describe('an index of an older format', () => {
  it('is refused with one line naming --rebuild, by readers, writers and stats alike, and rebuilt with it', async () => {
    const dir = tempDir();
    cpSync(FIXTURE, dir, { recursive: true });
    const config = resolveConfig({}, { indexDir: dir });
    await expect(createEngine(config, { writable: false, embedder: createFakeEmbedder() })).rejects.toMatchObject({ code: 'index_mismatch', message: REFUSAL });
    await expect(createEngine(config, { writable: true, embedder: createFakeEmbedder() })).rejects.toMatchObject({ code: 'index_mismatch', message: REFUSAL });
    await expect(inspectIndex(config)).rejects.toMatchObject({ code: 'index_mismatch', message: REFUSAL });

    const rebuilt = await createEngine(config, { writable: true, rebuild: true, embedder: createFakeEmbedder() });
    await rebuilt.sync([{ origin: '/corpus', skipped: [], articles: [{ id: 'a', title: 'Talks in Cairo', text: 'Negotiators met in Cairo.', url: null, source: null, published: null, path: 'a' }] }]);
    expect(await rebuilt.stats()).toMatchObject({ articles: 1 });
    await rebuilt.close();
  });
});
