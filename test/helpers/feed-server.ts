import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An item of a test feed. */
export interface TestItem {
  id: string;
  title: string;
  text: string;
  /** A link; defaults to the server's /story/<id>. */
  link?: string;
}

/** A request the server saw: when, its path, and its conditional headers. */
export interface SeenRequest {
  at: number;
  path: string;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  status: number;
}

/**
 * A real HTTP server on 127.0.0.1 serving an RSS feed at /feed that a test changes between polls:
 * it answers with an ETag and Last-Modified and a 304 to a request that sends them back. `answers`
 * queues other answers for the next requests to /feed (a 503 with Retry-After, garbage, silence).
 */
export async function startFeedServer(title = 'Loopback Wire') {
  const items: TestItem[] = [];
  const requests: SeenRequest[] = [];
  const answers: ((response: ServerResponse) => void)[] = [];
  const routes = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();
  let validators = true;
  let modified = new Date('2024-03-01T10:00:00Z');

  const feedXml = () =>
    `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title>` +
    items
      .map(
        (item) =>
          `<item><title>${item.title}</title><link>${item.link ?? `${base}/story/${item.id}`}</link><guid>${item.id}</guid>` +
          `<pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate><description>${item.text}</description></item>`,
      )
      .join('') +
    '</channel></rss>';

  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const seen: SeenRequest = {
      at: Date.now(),
      path,
      ifNoneMatch: (request.headers['if-none-match'] as string | undefined) ?? null,
      ifModifiedSince: (request.headers['if-modified-since'] as string | undefined) ?? null,
      status: 0,
    };
    requests.push(seen);
    response.on('finish', () => void (seen.status = response.statusCode));
    const route = routes.get(path);
    if (route) return route(request, response);
    if (path !== '/feed') return response.writeHead(404).end();
    const queued = answers.shift();
    if (queued) return queued(response);
    const body = feedXml();
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (validators && seen.ifNoneMatch === etag) return response.writeHead(304, { etag }).end();
    const headers: Record<string, string> = { 'content-type': 'application/rss+xml' };
    if (validators) Object.assign(headers, { etag, 'last-modified': modified.toUTCString() });
    response.writeHead(200, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    feed: `${base}/feed`,
    items,
    requests,
    /** Answers the next requests to /feed with these, in turn. */
    answers,
    /** Serves other paths (pages). */
    routes,
    /** Requests to a path. */
    requestsTo: (path: string) => requests.filter((request) => request.path === path),
    /** Whether /feed sends ETag and Last-Modified (and honours them). */
    setValidators(on: boolean) {
      validators = on;
    },
    touch() {
      modified = new Date(modified.getTime() + 60_000);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

/** An answer: 503 with `Retry-After` in seconds. */
export const unavailable = (seconds: number) => (response: ServerResponse) => void response.writeHead(503, { 'retry-after': String(seconds) }).end();
/** An answer that is not a feed at all. */
export const garbage = (response: ServerResponse) => void response.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss><channel><item><title>cut off');
/** An answer that never comes (the request times out). */
export const silence = (_response: ServerResponse) => {};
