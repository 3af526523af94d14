import { readFileSync } from 'node:fs';
import { parseFeed } from './ingest/feed.js';
import { htmlToDocument } from './ingest/html.js';
import { readSources } from './read-sources.js';
import type { SyncSource } from './sync.js';

/** How newsq fetches: a bound on time and size, a few redirects, and its name in `User-Agent`. */
export interface FetchLimits {
  /** The whole fetch, body included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export const FETCH_LIMITS: FetchLimits = { timeoutMs: 30_000, maxBytes: 16 * 1024 * 1024, maxRedirects: 5 };

// The same two levels up from src/ (run by tsx) and dist/ (built).
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const USER_AGENT = `newsq/${version} (self-hosted news search)`;

/** The articles of what was named to `index`: files and folders read, web addresses fetched. */
export async function sourcesOf(names: string[], limits: FetchLimits = FETCH_LIMITS): Promise<SyncSource[]> {
  const addresses = names.filter(isUrl);
  const sources = readSources(names.filter((name) => !isUrl(name)));
  return addresses.length > 0 ? [...sources, await fetchSources(addresses, limits)] : sources;
}

/** Whether a name given to `index` is a web address rather than a path. */
export function isUrl(name: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(name);
}

/** What a fetch brought: the address it ended at, its media type, its body. */
export interface Fetched {
  url: string;
  contentType: string;
  body: Uint8Array;
}

/**
 * Fetches a page or feed: http and https only, redirects followed up to the limit (each checked),
 * the body read up to `maxBytes`, all within `timeoutMs`. Fails with a message saying why.
 */
export async function fetchUrl(address: string, limits: FetchLimits = FETCH_LIMITS): Promise<Fetched> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = address;
  try {
    for (let redirects = 0; ; redirects++) {
      const protocol = new URL(url).protocol;
      if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`only http and https addresses are fetched, not ${protocol}`);
      const response = await fetch(url, { redirect: 'manual', signal, headers: { 'user-agent': USER_AGENT, accept: 'application/rss+xml, application/atom+xml, application/xml, text/xml, text/html;q=0.9, */*;q=0.5' } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= limits.maxRedirects) throw new Error(`more than ${limits.maxRedirects} redirects`);
        url = new URL(location, url).href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      }
      return { url, contentType: response.headers.get('content-type') ?? '', body: await readLimited(response, limits.maxBytes) };
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`no answer within ${limits.timeoutMs / 1000} s`);
    throw error;
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new Error(`larger than ${maxBytes / 1048576} MB`);
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
 * Fetches each address named to `index`: a feed (RSS or Atom) gives its items, any other page
 * is one article. What cannot be fetched or read is reported and skipped. These articles belong to
 * no folder (origin null): a feed's items stay indexed after they leave the feed.
 */
export async function fetchSources(addresses: string[], limits: FetchLimits = FETCH_LIMITS): Promise<SyncSource> {
  const source: SyncSource = { origin: null, articles: [], skipped: [] };
  for (const address of addresses) {
    let fetched: Fetched;
    try {
      fetched = await fetchUrl(address, limits);
    } catch (error) {
      source.skipped.push({ path: address, reason: (error as Error).message });
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(fetched.body).replace(/^\ufeff/, '');
    } catch {
      source.skipped.push({ path: address, reason: 'not valid UTF-8 text' });
      continue;
    }
    if (isFeedText(fetched.contentType, text)) {
      const feed = parseFeed(text, address);
      source.articles.push(...feed.articles);
      source.skipped.push(...feed.skipped);
      continue;
    }
    const page = htmlToDocument(text);
    if (!page.title && !page.text.trim()) source.skipped.push({ path: address, reason: 'no title and no article text' });
    else source.articles.push({ id: fetched.url, ...page, url: fetched.url, path: null, location: address });
  }
  return source;
}

/** A feed by its media type, or by its root element when a server calls it text or XML. */
function isFeedText(contentType: string, text: string): boolean {
  if (/(rss|atom)\+xml/i.test(contentType)) return true;
  if (/html/i.test(contentType)) return false;
  return /<(rss|feed|rdf:RDF)\b/.test(text.slice(0, 4096));
}
