import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newManifest, parseManifest, type IndexIdentity, type Manifest } from '../manifest.js';
import { writeFileAtomic } from './atomic-write.js';

const MANIFEST_FILE = 'manifest.json';

/** Reads the manifest of an index folder, or null when the folder holds no index yet. */
export function readManifestFile(dir: string): Manifest | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let value: unknown = null;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // not JSON: refused below
  }
  return parseManifest(value, `${MANIFEST_FILE} in the index folder`);
}

/** Writes a new manifest for `identity`, atomically. */
export function writeManifestFile(dir: string, identity: IndexIdentity): Manifest {
  const manifest = newManifest(identity);
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
