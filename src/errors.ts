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
