import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BUNDLED_MODEL_ID } from './embed/model-cache.js';

/**
 * Everything newsq can be told, with its defaults. Parsed once at the edge (CLI flags and
 * environment) and passed down typed; nothing deeper reads the environment.
 */
export const configSchema = z.object({
  indexDir: z.string().min(1).default('index'),
  cacheDir: z.string().min(1).default(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'newsq')),
  model: z.string().min(1).default(BUNDLED_MODEL_ID),
  dtype: z.enum(['q8', 'fp32']).default('q8'),
  maxTokens: z.number().int().min(16).max(8192).default(256),
  batchSize: z.number().int().min(1).max(512).default(32),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  defaultK: z.number().int().min(1).max(100).default(5),
  /** When set, every HTTP route but /health requires `Authorization: Bearer <apiKey>`. */
  apiKey: z.string().min(1).optional(),
  hnsw: z
    .object({
      m: z.number().int().min(2).max(128).default(16),
      efConstruction: z.number().int().min(10).max(2000).default(200),
      efSearch: z.number().int().min(10).max(2000).default(64),
    })
    .prefault({}),
  search: z
    .object({
      mode: z.enum(['hybrid', 'dense', 'lexical']).default('hybrid'),
      fusion: z.enum(['score', 'rrf']).default('score'),
      denseWeight: z.number().min(0).max(1).default(0.65),
      rrfK: z.number().min(0).default(60),
      candidates: z.number().int().min(1).max(10_000).default(100),
      contextWeight: z.number().min(0).max(1).default(0),
      titleWeight: z.number().min(0).default(0.5),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables newsq reads, and the config field each sets. */
export const ENVIRONMENT: Record<string, keyof Config> = {
  NEWSQ_INDEX_DIR: 'indexDir',
  NEWSQ_CACHE_DIR: 'cacheDir',
  NEWSQ_MODEL: 'model',
  NEWSQ_DTYPE: 'dtype',
  HOST: 'host',
  PORT: 'port',
  NEWSQ_API_KEY: 'apiKey',
};

/** Builds the effective config: defaults, overridden by the environment, overridden by flags. */
export function resolveConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<keyof Config, unknown>>): Config {
  const input: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = key === 'port' ? Number(value) : value;
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) input[key] = value;
  return configSchema.parse(input);
}
