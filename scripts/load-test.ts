/**
 * Load test: `npm run loadtest`. Serves the sample articles from a fresh index in a child process,
 * warms it up, then sends 10,000 searches over 64 connections from this process (loopback only),
 * and checks: no errors, no 5xx, and the server's RSS after within 10% of before (no leak).
 * Exits 1 when a check fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'newsq.js');
const QUESTIONS = ['why does Egypt oppose a Rafah offensive', 'What is the Philadelphi Corridor?', 'Hamas counter-proposals', 'Blinken Netanyahu', 'hostages', 'Qatar mediation', 'Sinai border', 'UN Security Council'];

const indexDir = mkdtempSync(join(tmpdir(), 'newsq-load-'));
const built = spawnSync(process.execPath, [BIN, 'index', join(ROOT, 'data', 'articles'), '--index-dir', indexDir, '--json'], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(built.stderr);
const server = spawn(process.execPath, [BIN, 'serve', '--index-dir', indexDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;
const requests = QUESTIONS.flatMap((q) => [5, 10].map((k) => ({ method: 'GET' as const, path: `/search?q=${encodeURIComponent(q)}&k=${k}` })));

await autocannon({ url, connections: 8, amount: 1000, requests });
const before = rss();
const result = await autocannon({ url, connections: 64, amount: 10_000, requests, timeout: 30 });
const after = rss();
server.kill('SIGTERM');
rmSync(indexDir, { recursive: true, force: true });

const growth = (after - before) / before;
const checks = {
  requests: result.requests.total,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  'p50 ms': result.latency.p50,
  'p99 ms': result.latency.p99,
  QPS: Math.round(result.requests.average),
  'RSS before MB': Math.round(before / 1048576),
  'RSS after MB': Math.round(after / 1048576),
  'RSS growth': `${(growth * 100).toFixed(1)}%`,
};
console.table(checks);
const ok = result.requests.total >= 10_000 && result.errors === 0 && result.timeouts === 0 && result.non2xx === 0 && growth <= 0.1;
console.log(ok ? 'load test passed' : 'load test FAILED');
process.exitCode = ok ? 0 : 1;
