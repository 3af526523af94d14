import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertCompatible, FORMAT_VERSION } from '../../src/store/manifest.js';
import { readManifestFile } from '../../src/store/sqlite/manifest-file.js';
import { tempDir } from '../helpers/fixtures.js';

describe('index manifest', () => {
  it('refuses an index whose vectors an earlier build of the bundled encoder made, naming --rebuild', () => {
    const dir = tempDir();
    // As written before manifests recorded the encoder.
    const old = { formatVersion: FORMAT_VERSION, model: 'newsq/all-MiniLM-L6-v2', dtype: 'q8', dimensions: 384, chunkerVersion: 2, createdAt: '2026-11-22T00:00:00.000Z' };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(old));
    const found = readManifestFile(dir)!;
    expect(found.encoder).toBeNull();
    expect(() => assertCompatible(found, { ...old, encoder: 'newsq-converter-4' })).toThrow(
      /^the index was built differently: encoder is none in the index but "newsq-converter-4" now\. Rebuild it with: newsq index <folder> --rebuild$/,
    );
    // A model named by its id alone records no encoder, and still opens.
    expect(() => assertCompatible({ ...found, model: 'Xenova/bge-small-en-v1.5' }, { ...old, model: 'Xenova/bge-small-en-v1.5', encoder: null })).not.toThrow();
  });
});
