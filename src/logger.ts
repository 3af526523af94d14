import pino from 'pino';

/** Where newsq's diagnostics go; the one way modules report what happens at run time. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A pino logger writing one JSON line per event to a stream (standard error by default). */
export function createLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, stream as pino.DestinationStream);
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
