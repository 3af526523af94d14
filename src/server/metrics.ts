import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../engine.js';

/** Prometheus metrics of one app: requests by route and status, index size, embedding time. */
export interface Metrics {
  registry: Registry;
  /** Counts and times every request, labelled by its route pattern (not its raw path). */
  middleware: MiddlewareHandler;
  observeEmbedding(ms: number): void;
}

export function createMetrics(engine: Engine): Metrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'newsq_http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const latency = new Histogram({
    name: 'newsq_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const embedding = new Histogram({
    name: 'newsq_query_embedding_seconds',
    help: 'Time to embed a search query',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [registry],
  });
  for (const [name, key] of [
    ['newsq_index_articles', 'articles'],
    ['newsq_index_passages', 'passages'],
    ['newsq_index_bytes', 'bytes'],
  ] as const) {
    new Gauge({
      name,
      help: `The index's ${key}`,
      registers: [registry],
      async collect() {
        this.set((await engine.stats())[key]);
      },
    });
  }
  return {
    registry,
    middleware: async (c, next) => {
      const started = performance.now();
      await next();
      // The route pattern a handler answered (not a middleware's '*'), so labels stay few.
      const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? 'unmatched';
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      requests.inc(labels);
      latency.observe(labels, (performance.now() - started) / 1000);
    },
    observeEmbedding: (ms) => embedding.observe(ms / 1000),
  };
}
