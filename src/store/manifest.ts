import { z } from 'zod';
import { NewsqError } from '../errors.js';

/** Bump when the stored layout changes in a way older code cannot read. */
export const FORMAT_VERSION = 3;

/** The manifest as stored (a backend keeps it as JSON). */
export const manifestSchema = z.object({
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

/** A new manifest for `identity`, made now. */
export function newManifest(identity: IndexIdentity): Manifest {
  return { ...identity, createdAt: new Date().toISOString() };
}

/** Parses a stored manifest, refusing what is not one with the fix named. */
export function parseManifest(value: unknown, where: string): Manifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw new NewsqError('index_mismatch', `${where} is not a newsq manifest; rebuild the index with --rebuild`);
  return parsed.data;
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
