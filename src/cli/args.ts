import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NewsqError } from '../errors.js';
import { isIsoDate } from '../ingest/dates.js';

/** A command's flags, as `node:util` parseArgs takes them, plus its usage text. */
export interface CommandSpec {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments: how many at least, and whether more may follow. */
  positionals: { min: number; max: number };
}

/** Flags every command that opens an index or the model takes. */
export const COMMON_OPTIONS = {
  'index-dir': { type: 'string' },
  model: { type: 'string' },
  dtype: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A mistake in how a command was called: the CLI prints the usage and exits 2. */
export class UsageError extends NewsqError {
  constructor(message: string, readonly usage: string) {
    super('bad_request', message);
  }
}

/** Parses argv against a spec; unknown flags and wrong counts throw {@link UsageError}. */
export function parseCommand(spec: CommandSpec, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, spec.usage);
  }
  const { values, positionals } = parsed;
  if (!values.help && (positionals.length < spec.positionals.min || positionals.length > spec.positionals.max)) {
    throw new UsageError(`expected ${describeCount(spec.positionals)}, got ${positionals.length}`, spec.usage);
  }
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

/** Reads a whole-number flag, or undefined when absent. */
export function integerFlag(value: string | boolean | undefined, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`, usage);
  return Number(value);
}

function describeCount({ min, max }: { min: number; max: number }): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  return max === Infinity ? `at least ${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
}

/** Reads a `YYYY-MM-DD` date flag, or undefined when absent. */
export function dateFlag(value: string | boolean | undefined, name: string, usage: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isIsoDate(value)) throw new UsageError(`--${name} must be a date, YYYY-MM-DD`, usage);
  return value;
}
