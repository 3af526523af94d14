import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { NewsqError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** Bump when the on-disk layout changes in a way older code cannot read. */
export const FORMAT_VERSION = 2;

const manifestSchema = z.object({
  formatVersion: z.number().int(),
  model: z.string(),
  // Absent from indexes made before encoders were recorded: their encoder is unknown.
  encoder: z.string().nullable().default(null),
  dtype: z.string(),
  dimensions: z.number().int().positive(),
  chunkerVersion: z.number().int(),
  createdAt: z.string(),
});

/** What an index was built with; an index is only ever read and written with the same. */
export type Manifest = z.infer<typeof manifestSchema>;
/** The parts of a manifest that must match for an index to be used. */
export type IndexIdentity = Omit<Manifest, 'createdAt'>;

const MANIFEST_FILE = 'manifest.json';

/** Reads the manifest of an index folder, or null when the folder holds no index yet. */
export function readManifest(dir: string): Manifest | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  const parsed = manifestSchema.safeParse(safeJson(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new NewsqError('index_mismatch', `${MANIFEST_FILE} in the index folder is not a newsq manifest; rebuild the index with --rebuild`);
  }
  return parsed.data;
}

/** Writes a new manifest for `identity`, atomically. */
export function writeManifest(dir: string, identity: IndexIdentity): Manifest {
  const manifest: Manifest = { ...identity, createdAt: new Date().toISOString() };
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Refuses an index built differently from what is asked of it, naming each difference and how to
 * rebuild, so that vectors of two models are never mixed or compared.
 */
export function assertCompatible(found: Manifest, wanted: IndexIdentity): void {
  const differences = (Object.keys(wanted) as (keyof IndexIdentity)[])
    .filter((key) => found[key] !== wanted[key])
    .map((key) => `${key} is ${show(found[key])} in the index but ${show(wanted[key])} now`);
  if (differences.length > 0) {
    throw new NewsqError('index_mismatch', `the index was built differently: ${differences.join('; ')}. Rebuild it with: newsq index <folder> --rebuild`);
  }
}

const show = (value: unknown): string => (value === null ? 'none' : JSON.stringify(value));

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
