import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { ArticleInput } from './ingest/article.js';
import { parseFeed } from './ingest/feed.js';
import { htmlToDocument } from './ingest/html.js';
import type { Skipped } from './ingest/parse.js';
import { isSitemap, parseSitemap, type SitemapPage } from './ingest/sitemap.js';
import { filesIn, readSources } from './read-sources.js';
import { isWarcFile, isWarcName, readWarc } from './read-warc.js';
import type { SyncSource } from './sync.js';

/** How newsq fetches: a bound on time and size, a few redirects, and its name in `User-Agent`. */
export interface FetchLimits {
  /** Each request, its body included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Time from a host's answer to the next request to it: newsq never asks a site faster. */
  hostIntervalMs: number;
}

export const FETCH_LIMITS: FetchLimits = { timeoutMs: 30_000, maxBytes: 16 * 1024 * 1024, maxRedirects: 5, hostIntervalMs: 1000 };

// A sitemap index names sitemaps; past this many, the rest are reported, not fetched.
const MAX_SITEMAPS = 50;

// The same two levels up from src/ (run by tsx) and dist/ (built).
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const USER_AGENT = `newsq/${version} (self-hosted news search)`;

export interface SourceOptions {
  /** For a feed item whose text is only a summary, fetch its page and index the page's text. */
  fetchPages?: boolean;
  limits?: FetchLimits;
}

/** The articles of what was named to `index`: files and folders read, web archives streamed, web addresses fetched. */
export async function sourcesOf(names: string[], options: SourceOptions = {}): Promise<SyncSource[]> {
  const limits = options.limits ?? FETCH_LIMITS;
  // A sitemap file named directly lists pages to fetch, as a sitemap's address does.
  const fetched = names.filter((name) => isUrl(name) || isSitemapFile(name));
  const archives = names.filter(isWarcFile);
  const local = names.filter((name) => !fetched.includes(name) && !archives.includes(name));
  const sources = readSources(local);
  // Archives in a folder belong to it: a later sync of the folder mirrors them too.
  for (const [i, name] of local.entries()) {
    if (!statSync(name).isDirectory()) continue;
    const inFolder = filesIn(name, isWarcName).map(({ file, path }) => readWarc(file, path, sources[i].skipped).more);
    if (inFolder.length > 0) sources[i].more = inTurn(inFolder);
  }
  for (const archive of archives) sources.push(readWarc(archive));
  // One pacer for the whole run: a feed's pages are asked no sooner after the feed.
  const pacer = hostPacer(limits.hostIntervalMs);
  if (fetched.length > 0) sources.push(await fetchSources(fetched, limits, pacer));
  if (options.fetchPages) await fetchSummarizedPages(sources, limits, pacer);
  return sources;
}

/** The items of each iterable, one iterable after another. */
async function* inTurn<T>(iterables: AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const iterable of iterables) yield* iterable;
}

/** Fetches the pages of the feed items of `sources` whose text is only a summary (see {@link fetchFullPages}). */
async function fetchSummarizedPages(sources: SyncSource[], limits: FetchLimits, pacer: Pacer): Promise<void> {
  for (const source of sources) source.skipped.push(...(await fetchFullPages(source.articles, limits, pacer)));
}

/**
 * Replaces each feed item's summary with the text of the page it links to, when the page has more
 * to say; the feed's title, date and outlet stay where the page gives none. A page that cannot be
 * fetched leaves its item with the summary, and is reported (by the item's address).
 */
export async function fetchFullPages(articles: ArticleInput[], limits: FetchLimits, pacer: Pacer): Promise<Skipped[]> {
  const skipped: Skipped[] = [];
  for (const article of articles) {
    if (!article.summary || !article.url || !/^https?:\/\//i.test(article.url)) continue;
    let page;
    try {
      page = htmlToDocument(decodeText((await fetchUrl(article.url, limits, pacer)).body));
    } catch (error) {
      skipped.push({ path: article.url, reason: `page not fetched (${(error as Error).message}); the item is indexed with its summary` });
      continue;
    }
    if (page.text.trim().length <= article.text.trim().length) continue;
    Object.assign(article, { text: page.text, published: article.published ?? page.published, source: article.source ?? page.source, summary: false });
  }
  return skipped;
}

/** UTF-8 text, or a failure saying it is not. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
  } catch {
    throw new Error('not valid UTF-8 text');
  }
}

/** Whether a name is an XML file that opens as a sitemap (its first 4 KB read). */
function isSitemapFile(name: string): boolean {
  if (!/\.xml$/i.test(name)) return false;
  let fd: number | undefined;
  try {
    if (!statSync(name).isFile()) return false;
    fd = openSync(name, 'r');
    const head = Buffer.alloc(4096);
    return isSitemap(head.subarray(0, readSync(fd, head)).toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether a name given to `index` is a web address rather than a path. */
export function isUrl(name: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(name);
}

/** What a fetch brought: the address it ended at, its status (200, or 304 to a conditional request), media type, validators and body. */
export interface Fetched {
  url: string;
  status: number;
  contentType: string;
  etag: string | null;
  lastModified: string | null;
  body: Uint8Array;
}

/** A fetch that failed: why, the status if the server answered, and how long it asked to be left alone. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Fetches a page or feed: http and https only, redirects followed up to the limit (each checked),
 * the body read up to `maxBytes`, all within `timeoutMs`. With `headers` (`If-None-Match`,
 * `If-Modified-Since`), a 304 answer is returned with an empty body. `stop` abandons the request.
 * Fails with a {@link FetchError} saying why.
 */
export async function fetchUrl(address: string, limits: FetchLimits = FETCH_LIMITS, pacer: Pacer = hostPacer(0), headers: Record<string, string> = {}, stop?: AbortSignal): Promise<Fetched> {
  let url = address;
  for (let redirects = 0; ; redirects++) {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new FetchError(`only http and https addresses are fetched, not ${target.protocol}`);
    // The time limit runs from the request's turn (a host's earlier requests may hold it up), until its body is read.
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const abandon = () => controller.abort();
    if (stop?.aborted) abandon();
    stop?.addEventListener('abort', abandon, { once: true });
    try {
      const response = await pacer.turn(target, () => {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, limits.timeoutMs);
        const accept = 'application/rss+xml, application/atom+xml, application/xml, text/xml, text/html;q=0.9, */*;q=0.5';
        return fetch(url, { redirect: 'manual', signal: controller.signal, headers: { 'user-agent': USER_AGENT, accept, ...headers } });
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && response.status !== 304 && location) {
        await response.body?.cancel();
        if (redirects >= limits.maxRedirects) throw new FetchError(`more than ${limits.maxRedirects} redirects`);
        url = new URL(location, url).href;
        continue;
      }
      const answered = { url, status: response.status, contentType: response.headers.get('content-type') ?? '', etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
      if (response.status === 304) {
        await response.body?.cancel();
        return { ...answered, body: new Uint8Array() };
      }
      if (!response.ok) {
        await response.body?.cancel();
        const retryAfter = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get('retry-after')) : null;
        throw new FetchError(`the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, response.status, retryAfter);
      }
      return { ...answered, body: await readLimited(response, limits.maxBytes) };
    } catch (error) {
      if (stop?.aborted) throw new FetchError('stopped');
      if (timedOut) throw new FetchError(`no answer within ${limits.timeoutMs / 1000} s`);
      if (error instanceof FetchError) throw error;
      throw new FetchError((error as Error).message);
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', abandon);
    }
  }
}

/** `Retry-After` in ms: seconds, or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Spaces the requests to each host: `turn` runs a request when the host's turn comes. */
export interface Pacer {
  turn<T>(url: URL, request: () => Promise<T>): Promise<T>;
}

/**
 * Sends a host one request at a time, each no sooner than `intervalMs` after the host answered the
 * one before: the host sees them at least that far apart however many callers ask at once, and a
 * slow host holds up only its own requests.
 */
export function hostPacer(intervalMs: number): Pacer {
  // Per host: when its last request was answered (or failed), once it has been.
  const answered = new Map<string, Promise<number>>();
  return {
    turn(url, request) {
      const previous = answered.get(url.host) ?? Promise.resolve(Number.NEGATIVE_INFINITY);
      const run = previous.then(async (at) => {
        const wait = at + intervalMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        return request();
      });
      answered.set(
        url.host,
        run.then(
          () => Date.now(),
          () => Date.now(),
        ),
      );
      return run;
    },
  };
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new FetchError(`larger than ${maxBytes / 1048576} MB`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Fetches each address named to `index` (or reads each sitemap file): a feed (RSS or Atom) gives
 * its items, a sitemap or sitemap index the pages it lists, fetched in turn, and any other page
 * one article. Requests to one host are spaced by `hostIntervalMs`. What cannot be fetched or read
 * is reported and skipped. These articles belong to no folder (origin null): a feed's items stay
 * indexed after they leave the feed.
 */
export async function fetchSources(names: string[], limits: FetchLimits = FETCH_LIMITS, pacer: Pacer = hostPacer(limits.hostIntervalMs)): Promise<SyncSource> {
  const source: SyncSource = { origin: null, articles: [], skipped: [] };
  const skip = (path: string, reason: string) => void source.skipped.push({ path, reason });

  /** The text at an address (or in a sitemap file), or null once reported. */
  const read = async (name: string): Promise<{ url: string; contentType: string; text: string } | null> => {
    let fetched: Pick<Fetched, 'url' | 'contentType' | 'body'>;
    try {
      fetched = isUrl(name) ? await fetchUrl(name, limits, pacer) : { url: name, contentType: 'application/xml', body: readFileSync(name) };
    } catch (error) {
      skip(name, (error as Error).message);
      return null;
    }
    try {
      return { url: fetched.url, contentType: fetched.contentType, text: decodeText(fetched.body) };
    } catch (error) {
      skip(name, (error as Error).message);
      return null;
    }
  };

  const addPage = (name: string, url: string, html: string, listed?: SitemapPage) => {
    const page = htmlToDocument(html);
    const article: ArticleInput = { id: url, ...page, url, path: null, location: name };
    // What a news sitemap says fills what the page does not.
    if (listed) Object.assign(article, { title: page.title ?? listed.title, published: page.published ?? listed.published, source: page.source ?? listed.source });
    if (!article.title && !article.text.trim()) skip(name, 'no title and no article text');
    else source.articles.push(article);
  };

  const addSitemap = async (name: string, xml: string, depth: number) => {
    let sitemap;
    try {
      sitemap = parseSitemap(xml);
    } catch (error) {
      return skip(name, `not a well-formed sitemap: ${(error as Error).message.split('\n')[0]}`);
    }
    if (sitemap.kind === 'index') {
      if (depth > 0) return skip(name, 'a sitemap index inside a sitemap index (not followed)');
      for (const [i, child] of sitemap.sitemaps.entries()) {
        if (i >= MAX_SITEMAPS) return skip(name, `lists more than ${MAX_SITEMAPS} sitemaps: the rest were not fetched`);
        const listed = await read(child);
        if (listed) await addSitemap(child, listed.text, depth + 1);
      }
      return;
    }
    for (const listed of sitemap.pages) {
      const page = await read(listed.url);
      if (page) addPage(listed.url, page.url, page.text, listed);
    }
  };

  for (const name of names) {
    const got = await read(name);
    if (!got) continue;
    if (isSitemap(got.text)) await addSitemap(name, got.text, 0);
    else if (isFeedText(got.contentType, got.text)) {
      const feed = parseFeed(got.text, name);
      source.articles.push(...feed.articles);
      source.skipped.push(...feed.skipped);
    } else addPage(name, got.url, got.text);
  }
  return source;
}

/** A feed by its media type, or by its root element when a server calls it text or XML. */
export function isFeedText(contentType: string, text: string): boolean {
  if (/(rss|atom)\+xml/i.test(contentType)) return true;
  if (/html/i.test(contentType)) return false;
  return /<(rss|feed|rdf:RDF)\b/.test(text.slice(0, 4096));
}
