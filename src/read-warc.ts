import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { WARCParser, type WARCRecord } from 'warcio';
import type { ArticleInput } from './ingest/article.js';
import type { Skipped } from './ingest/parse.js';
import { parseDate } from './ingest/dates.js';
import { htmlToDocument } from './ingest/html.js';
import type { SyncSource } from './sync.js';

// A page's HTML past this is not an article page; the record is skipped, not read.
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
// Articles handed to the sync at a time: what is held of an archive while it is read.
const BATCH = 100;

/** Whether a file name is a web archive's (`.warc`, `.warc.gz`). */
export function isWarcName(name: string): boolean {
  return /\.warc(\.gz)?$/i.test(name);
}

/** Whether a name given to `index` is a web archive file. */
export function isWarcFile(name: string): boolean {
  if (!isWarcName(name)) return false;
  try {
    return statSync(name).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads the article pages of a web archive (WARC, plain or a gzip member per record), streamed
 * record by record as the sync asks (`more`, batches of {@link BATCH}): each `response` record of
 * an HTML page answered 2xx becomes an article, its id and url the record's target URI, its date
 * the page's own or else the capture's. Only a batch of pages' extracted text is held, never the
 * archive. Other records are counted in one entry of `skipped`; a truncated or malformed record
 * ends the file, what came before it kept. A page captured twice is the later capture. `name` is
 * the file as its articles' `path` and messages give it; `skipped` is where reports go (a
 * folder's, for an archive in a folder).
 */
export function readWarc(file: string, name = basename(file), skipped: Skipped[] = []): SyncSource & { more: AsyncIterable<ArticleInput[]> } {
  return { origin: resolve(file), articles: [], skipped, more: readPages(file, name, skipped) };
}

async function* readPages(file: string, name: string, skipped: Skipped[]): AsyncGenerator<ArticleInput[]> {
  const gzip = /\.gz$/i.test(file);
  const latest = await latestCaptures(file);
  let batch: ArticleInput[] = [];
  const other = new Map<string, number>();
  const count = (kind: string) => other.set(kind, (other.get(kind) ?? 0) + 1);
  let position = 0;
  const truncated = (why: string) => skipped.push({ path: `${name}#${position}`, reason: `truncated or malformed record (${why}): the rest of the file was not read` });
  const parser = new WARCParser(createReadStream(file));
  // Whether a record's headers were read: a failure then is that record's, else the next one's.
  let inRecord = false;
  try {
    for await (const record of parser) {
      position++;
      inRecord = true;
      const declared = Number(record.warcHeaders.headers.get('content-length') ?? Number.NaN);
      if (!Number.isFinite(declared)) {
        truncated('no Content-Length');
        break;
      }
      const earlier = isPageRecord(record) && latest.get(record.warcTargetURI!) !== position;
      const article = earlier ? await record.skipFully().then(() => null) : await readPage(record, name, position, (reason) => skipped.push({ path: `${name}#${position}`, reason }), count);
      // A record of an uncompressed archive cut short is still yielded: its length gives it away.
      if (!gzip && parser.recordLength < parser._warcHeadersLength - parser.offset + declared) {
        truncated(`${declared} bytes declared, fewer present`);
        break;
      }
      inRecord = false;
      if (!article) continue;
      batch.push(article);
      if (batch.length < BATCH) continue;
      yield batch;
      batch = [];
    }
    // A gzip member cut short is never yielded: the bytes after the last record give it away.
    if (gzip && parser.offset < statSync(file).size) {
      position++;
      truncated('an incomplete gzip member');
    }
  } catch (error) {
    if (!inRecord) position++;
    truncated((error as Error).message);
  }
  if (batch.length > 0) yield batch;
  if (other.size > 0) {
    const kinds = [...other].map(([kind, n]) => `${n} ${kind}`).join(', ');
    skipped.push({ path: name, reason: `records that are not article pages: ${kinds}` });
  }
}

/**
 * Where each page's last capture is (record position by target URI), read in a first pass over
 * the records' headers: a page captured twice is indexed once, from its later capture.
 */
async function latestCaptures(file: string): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  let position = 0;
  try {
    for await (const record of new WARCParser(createReadStream(file))) {
      position++;
      if (isPageRecord(record)) latest.set(record.warcTargetURI!, position);
      await record.skipFully();
    }
  } catch {
    // The second pass reports where the archive breaks.
  }
  return latest;
}

/** Whether a record is an HTML page answered 2xx: an article page, if it has text. */
function isPageRecord(record: WARCRecord): boolean {
  const status = Number(record.httpHeaders?.statusCode);
  return record.warcType === 'response' && Boolean(record.warcTargetURI) && /html/i.test(record.httpHeaders?.headers.get('content-type') ?? '') && status >= 200 && status < 300;
}

/** The article a record holds, or null when it is no article page (counted, or reported with why). */
async function readPage(record: WARCRecord, name: string, position: number, skip: (reason: string) => void, count: (kind: string) => void): Promise<ArticleInput | null> {
  const uri = record.warcTargetURI!;
  if (!isPageRecord(record)) {
    const status = Number(record.httpHeaders?.statusCode);
    count(record.warcType === 'response' ? (status >= 200 && status < 300 ? 'non-HTML response' : 'non-2xx response') : record.warcType);
    await record.skipFully();
    return null;
  }
  if (Number(record.warcHeaders.headers.get('content-length')) > MAX_PAGE_BYTES) {
    skip(`page larger than ${MAX_PAGE_BYTES / 1048576} MB (${uri})`);
    await record.skipFully();
    return null;
  }
  const page = htmlToDocument(await record.contentText());
  if (!page.title && !page.text.trim()) {
    skip(`no title and no article text (${uri})`);
    return null;
  }
  const published = (page.published && parseDate(page.published)) || (record.warcDate && parseDate(record.warcDate)) || null;
  return { id: uri, ...page, url: uri, published, path: name, location: `${name}#${position}` };
}
