import { ZodError } from 'zod';
import { resolveConfig, type Config } from '../config.js';
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

/** The effective config for a command: defaults, environment, then the command's flags. */
export function configFrom(context: CliContext, values: Record<string, string | boolean | undefined>, extra: Partial<Config> = {}, usage = ''): Config {
  try {
    return resolveConfig(context.env, {
      indexDir: values['index-dir'] as string | undefined,
      model: values.model as string | undefined,
      dtype: values.dtype as string | undefined,
      ...extra,
    } as Partial<Record<keyof Config, unknown>>);
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      throw new UsageError(`invalid setting ${issue.path.join('.')}: ${issue.message}`, usage);
    }
    throw error;
  }
}

/** Prints a command's usage (for --help) and returns exit code 0. */
export function help(context: CliContext, spec: CommandSpec): number {
  context.stdout.write(`${spec.usage}\n`);
  return 0;
}
