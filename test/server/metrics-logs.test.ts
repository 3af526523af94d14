import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/app.js';
import { useSampleEngine } from '../helpers/engine.js';

describe('metrics and request logs', () => {
  const sample = useSampleEngine();
  const log = new PassThrough();
  let lines = '';
  log.on('data', (chunk) => (lines += chunk));
  let app: ReturnType<typeof createApp>;
  beforeAll(() => {
    app = createApp(sample.engine, { logger: createLogger(log) });
  });

  it('exposes Prometheus metrics: requests by route and status, latency, index size, embedding time', async () => {
    await app.request('/search?q=Egypt');
    await app.request('/search?q=Rafah');
    await app.request('/search?k=0');
    await app.request('/articles/nope');
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^newsq_http_requests_total\{method="GET",route="\/search",status="200"\} 2$/m);
    expect(text).toMatch(/^newsq_http_requests_total\{method="GET",route="\/search",status="400"\} 1$/m);
    expect(text).toMatch(/^newsq_http_requests_total\{method="GET",route="\/articles\/:id\{\.\+\}",status="404"\} 1$/m);
    expect(text).toMatch(/^newsq_http_request_duration_seconds_count\{method="GET",route="\/search",status="200"\} 2$/m);
    expect(text).toMatch(/^newsq_index_articles 5$/m);
    expect(text).toMatch(/^newsq_index_passages 96$/m);
    expect(text).toMatch(/^newsq_query_embedding_seconds_count 2$/m);
  });

  it('logs one JSON line per request with method, path, status and milliseconds', async () => {
    lines = '';
    await app.request('/health');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const entries = lines.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 30, msg: 'request', method: 'GET', path: '/health', status: 200 });
    expect(typeof entries[0].ms).toBe('number');
    expect(typeof entries[0].time).toBe('string');
  });
});
