import type { z } from 'zod';

/**
 * Every failure newsq reports on purpose carries a code from this one table. The HTTP layer maps
 * codes to statuses and the CLI maps them to exit codes, each in a single place.
 */
export const errorCodes = {
  bad_request: { status: 400, exit: 2 },
  unauthorized: { status: 401, exit: 1 },
  forbidden: { status: 403, exit: 1 },
  not_found: { status: 404, exit: 1 },
  payload_too_large: { status: 413, exit: 2 },
  unsupported_media_type: { status: 415, exit: 2 },
  no_index: { status: 503, exit: 1 },
  index_mismatch: { status: 409, exit: 1 },
  index_busy: { status: 409, exit: 1 },
  unreadable_input: { status: 400, exit: 1 },
  model_unavailable: { status: 503, exit: 1 },
  /** The store's database cannot be reached for now: try again after `Retry-After` seconds. */
  unavailable: { status: 503, exit: 1 },
  internal: { status: 500, exit: 1 },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** A failure with a code from {@link errorCodes} and a message meant for the user. */
export class NewsqError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NewsqError';
    this.code = code;
  }
}

/** Whether `error` is a {@link NewsqError}, optionally of one code. */
export function isNewsqError(error: unknown, code?: ErrorCode): error is NewsqError {
  return error instanceof NewsqError && (code === undefined || error.code === code);
}

/** Parses input with a schema; the first problem becomes a `bad_request` naming its field. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw badRequest(parsed.error);
}

/** A schema's first problem as a `bad_request` naming its field (`[3].title must be a string or null`). */
export function badRequest(error: z.ZodError): NewsqError {
  const { path, message } = innermost(error.issues[0]);
  const field = path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i > 0 ? `.${String(key)}` : String(key))).join('');
  return new NewsqError('bad_request', field ? `${field} ${message}` : message);
}

/**
 * The problem to report: for a value that fits none of a union's shapes, the problem inside the
 * shape it has (an array's item, an object's field), when one is; else the union's own message.
 */
function innermost(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union') {
    const chosen = issue.errors.find((branch) => branch.length > 0 && !(branch[0].code === 'invalid_type' && branch[0].path.length === 0));
    if (chosen) {
      const inner = innermost(chosen[0]);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
  }
  return issue;
}
