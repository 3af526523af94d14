import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BUNDLED_MODEL_ID } from './embed/model-cache.js';
import { SEARCH_MODES } from './search/modes.js';

/**
 * Everything newsq can be told, with its defaults. Parsed once at the edge (config file,
 * environment, CLI flags) and passed down typed; nothing deeper reads the environment. Unknown
 * keys are errors, so a misspelt setting is reported rather than ignored.
 */
export const configSchema = z.strictObject({
  /**
   * Where the index is kept: `sqlite`, files in `indexDir` (the default, no server needed);
   * `postgres`, a PostgreSQL database any number of processes share (`url`, or
   * `NEWSQ_DATABASE_URL`); `memory`, nothing kept once the process ends.
   */
  store: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('sqlite') }),
      z.strictObject({
        kind: z.literal('postgres'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
        /** How long an indexing worker's claim on a batch holds unrenewed: how soon a dead worker's batch is taken over. */
        claimSeconds: z.number().int().min(1).max(3600).default(30),
        /** About how many passages an indexing worker claims at a time. */
        claimPassages: z.number().int().min(1).max(100_000).default(256),
      }),
      z.strictObject({ kind: z.literal('memory') }),
    ])
    .default({ kind: 'sqlite' }),
  indexDir: z.string().min(1).default('index'),
  /** Where the converted model is kept: `$XDG_CACHE_HOME/newsq` when the environment sets it (see resolveConfigSources). */
  cacheDir: z.string().min(1).default(join(homedir(), '.cache', 'newsq')),
  model: z.string().min(1).default(BUNDLED_MODEL_ID),
  dtype: z.enum(['q8', 'fp32']).default('q8'),
  maxTokens: z.number().int().min(16).max(8192).default(256),
  batchSize: z.number().int().min(1).max(512).default(32),
  /** Threads the model runs on (unset: every core): `--threads 1` leaves the other cores to other workers. */
  threads: z.number().int().min(1).max(1024).optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  defaultK: z.number().int().min(1).max(100).default(5),
  /** When set, every HTTP route but /health requires `Authorization: Bearer <apiKey>`. */
  apiKey: z.string().min(1).optional(),
  /**
   * Host names the server answers to besides loopback names (`Host` header). Unset, a server bound
   * to loopback answers to loopback names only, and one bound elsewhere to any name.
   */
  allowedHosts: z.array(z.string().min(1)).optional(),
  /** How long serve waits for requests in flight after SIGTERM or SIGINT before closing them. */
  shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(5000),
  /** Feeds `newsq follow` polls when named none, and `serve` follows while it serves. */
  follow: z
    .strictObject({
      feeds: z.array(z.string().min(1)).default([]),
      /** How often each feed is asked for: a number and s, m or h (at least 1s). */
      every: z
        .string()
        .refine((value) => durationMs(value) !== null, 'must be a duration of at least 1s, such as 30s, 5m or 1h')
        .default('5m'),
      /** For items whose text is only a summary, fetch and index their pages. */
      fetchPages: z.boolean().default(false),
    })
    .prefault({}),
  hnsw: z
    .strictObject({
      m: z.number().int().min(2).max(128).default(16),
      efConstruction: z.number().int().min(10).max(2000).default(200),
      efSearch: z.number().int().min(10).max(2000).default(64),
    })
    .prefault({}),
  search: z
    .strictObject({
      mode: z.enum(SEARCH_MODES).default('hybrid'),
      fusion: z.enum(['score', 'rrf']).default('score'),
      denseWeight: z.number().min(0).max(1).default(0.65),
      rrfK: z.number().min(0).default(60),
      candidates: z.number().int().min(1).max(10_000).default(100),
      titleWeight: z.number().min(0).default(0.5),
      queryCache: z.number().int().min(0).max(1_000_000).default(1024),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/** Reads a duration such as `30s`, `5m` or `1h` as ms; null when it is not one of at least a second. */
export function durationMs(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(value.trim());
  if (!match) return null;
  const ms = Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
  return ms >= 1000 ? ms : null;
}
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables newsq reads, and the config field each sets. */
export const ENVIRONMENT: Record<string, keyof Config> = {
  NEWSQ_INDEX_DIR: 'indexDir',
  NEWSQ_CACHE_DIR: 'cacheDir',
  NEWSQ_MODEL: 'model',
  NEWSQ_DTYPE: 'dtype',
  NEWSQ_THREADS: 'threads',
  HOST: 'host',
  PORT: 'port',
  NEWSQ_API_KEY: 'apiKey',
};

/** Where a setting's value came from, weakest first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** A parsed `newsq.config.json`. */
export interface ConfigFile {
  path: string;
  values: Record<string, unknown>;
}

/**
 * Builds the effective config: defaults, overridden by the config file, by the environment, then
 * by flags; and says where each setting (by dotted path) came from.
 */
export function resolveConfigSources(
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<keyof Config, unknown>>,
  file?: ConfigFile,
): { config: Config; sources: Record<string, ConfigSource> } {
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') fromEnv[key] = key === 'port' || key === 'threads' ? Number(value) : value;
  }
  if (env.XDG_CACHE_HOME && fromEnv.cacheDir === undefined) fromEnv.cacheDir = join(env.XDG_CACHE_HOME, 'newsq');
  // A database URL in the environment chooses the PostgreSQL store, keeping the file's other store settings.
  if (env.NEWSQ_DATABASE_URL) {
    const stored = file?.values.store as { kind?: unknown } | undefined;
    fromEnv.store = { ...(stored?.kind === 'postgres' && stored), kind: 'postgres', url: env.NEWSQ_DATABASE_URL };
  }
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const config = configSchema.parse({ ...file?.values, ...fromEnv, ...fromFlags });
  const sources: Record<string, ConfigSource> = {};
  for (const path of leafPaths(config)) {
    const [top] = path.split('.');
    if (top in fromFlags) sources[path] = 'flag';
    else if (top in fromEnv) sources[path] = 'env';
    else if (file && lookup(file.values, path) !== undefined) sources[path] = 'file';
    else sources[path] = 'default';
  }
  return { config, sources };
}

/** The effective config: defaults < config file < environment < flags. */
export function resolveConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<keyof Config, unknown>>, file?: ConfigFile): Config {
  return resolveConfigSources(env, flags, file).config;
}

/** Every setting's dotted path (`search.denseWeight`), in schema order. */
export function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) =>
    child !== null && typeof child === 'object' && !Array.isArray(child) ? leafPaths(child, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** The value at a dotted path, or undefined. */
export function lookup(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}
