import { ZodError } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveConfigSources, type Config, type ConfigFile } from '../config.js';
import { NewsqError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { UsageError, type CommandSpec } from './args.js';

/** What a command runs with: its streams, the environment, and a logger. */
export interface CliContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Whether output goes to a terminal (color, the terminal width, a progress bar on stderr). */
  isTty: boolean;
  columns: number;
}

export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    logger: createLogger(process.stderr),
    isTty: Boolean(process.stdout.isTTY && process.stderr.isTTY),
    columns: process.stdout.columns || 100,
  };
}

/** The effective config for a command: defaults, config file, environment, then the command's flags. */
export function configFrom(context: CliContext, values: Record<string, string | boolean | undefined>, extra: Partial<Config> = {}, usage = ''): Config {
  return configWithSources(context, values, extra, usage).config;
}

/** {@link configFrom}, with where each setting came from (for `newsq config`). */
export function configWithSources(context: CliContext, values: Record<string, string | boolean | undefined>, extra: Partial<Config> = {}, usage = '') {
  const file = readConfigFile(context);
  try {
    return resolveConfigSources(context.env, {
      indexDir: values['index-dir'] as string | undefined,
      model: values.model as string | undefined,
      dtype: values.dtype as string | undefined,
      ...extra,
    } as Partial<Record<keyof Config, unknown>>, file ?? undefined);
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      const where = file ? ` (defaults < ${file.path} < environment < flags)` : '';
      const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'config');
      throw new UsageError(`invalid setting ${field}: ${issue.message}${where}`, usage);
    }
    throw error;
  }
}

/** The config file: `NEWSQ_CONFIG`, else `newsq.config.json` in the working folder, if there is one. */
export function readConfigFile(context: CliContext): ConfigFile | null {
  const path = resolve(context.env.NEWSQ_CONFIG || 'newsq.config.json');
  if (!existsSync(path)) {
    if (context.env.NEWSQ_CONFIG) throw new NewsqError('unreadable_input', `cannot read config file ${path}: it does not exist`);
    return null;
  }
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NewsqError('bad_request', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new NewsqError('bad_request', `${path} must hold a JSON object`);
  return { path, values: values as Record<string, unknown> };
}

/** Prints a command's usage (for --help) and returns exit code 0. */
export function help(context: CliContext, spec: CommandSpec): number {
  context.stdout.write(`${spec.usage}\n`);
  return 0;
}
