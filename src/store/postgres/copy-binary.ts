import { NewsqError } from '../../errors.js';

// PostgreSQL's binary COPY format: an 11-byte signature, a flags word and a header extension of
// the length that follows; then each row as a field count and each field as a length and its
// bytes (-1 for NULL); a field count of -1 ends the stream.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * The values of a one-column `COPY ... TO STDOUT (FORMAT binary)`, one after another, passed on
 * as they stream: raw bytes, where a query's `bytea` comes as hex text twice its size. A value is
 * never held whole; what is held between two pieces of the stream is at most a row's header.
 */
export async function* copiedValues(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let header = true;
  let ended = false;
  // Bytes of the value being passed on that are still to come.
  let remaining = 0;
  for await (const piece of stream) {
    const buffer = pending.length > 0 ? Buffer.concat([pending, piece]) : piece;
    let at = 0;
    for (;;) {
      const left = buffer.length - at;
      if (remaining > 0) {
        const take = Math.min(remaining, left);
        if (take === 0) break;
        yield buffer.subarray(at, at + take);
        at += take;
        remaining -= take;
      } else if (header) {
        if (left < HEADER_BYTES) break;
        if (!buffer.subarray(at, at + SIGNATURE.length).equals(SIGNATURE)) throw malformed('no binary COPY signature');
        const extension = buffer.readInt32BE(at + SIGNATURE.length + 4);
        if (left < HEADER_BYTES + extension) break;
        at += HEADER_BYTES + extension;
        header = false;
      } else if (ended) {
        if (left > 0) throw malformed('bytes after the end of the rows');
        break;
      } else {
        if (left < 2) break;
        const fields = buffer.readInt16BE(at);
        if (fields === -1) {
          at += 2;
          ended = true;
          continue;
        }
        if (fields !== 1) throw malformed(`a row of ${fields} fields, not one`);
        if (left < 6) break;
        remaining = buffer.readInt32BE(at + 2);
        if (remaining < 0) throw malformed('a NULL value');
        at += 6;
      }
    }
    pending = buffer.subarray(at);
  }
  if (!ended || pending.length > 0) throw malformed('the rows stop before their end');
}

function malformed(what: string): NewsqError {
  return new NewsqError('internal', `unexpected binary COPY data from PostgreSQL: ${what}`);
}
