/**
 * A web archive of 10,000 article pages, indexed by `newsq index` in its own process: its peak
 * memory against the same command on half the pages (memory bounded: no more for more pages) and
 * on ten long pages that fill the model's batches at its longest input (the model's own memory),
 * and whether each page is found by a question made of its headline. Pages are SciFact documents
 * (title as headline) and then NPL ones (their first words as headline), from ../shared/eval.
 *
 *   npx tsx scripts/warc-scale.ts [pages]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import { resolveConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';

const ROOT = join(import.meta.dirname, '..');
const EVAL = join(ROOT, '..', 'shared', 'eval');
const PAGES = Number(process.argv[2] ?? 10_000);
const work = mkdtempSync(join(tmpdir(), 'newsq-warc-'));

interface Page {
  url: string;
  headline: string;
  text: string;
}

function pages(count: number): Page[] {
  const read = (name: string) => readFileSync(join(EVAL, name, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { _id: string; title: string; text: string });
  const scifact = read('scifact').map((d) => ({ url: `https://scifact.example/${d._id}`, headline: d.title, text: d.text }));
  const npl = read('npl').map((d) => ({ url: `https://npl.example/${d._id}`, headline: d.text.split(/\s+/).slice(0, 10).join(' '), text: d.text }));
  return [...scifact, ...npl].filter((p) => p.headline.trim() && p.text.trim()).slice(0, count);
}

async function writeArchive(file: string, list: Page[]): Promise<void> {
  const out = createWriteStream(file);
  const encoder = new TextEncoder();
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  for (const [i, page] of list.entries()) {
    const html = `<html><head><title>${escape(page.headline)}</title></head><body><nav>Home · Science · Archive</nav><article><h1>${escape(page.headline)}</h1><p>${escape(page.text)}</p></article><footer>© Example</footer></body></html>`;
    const date = new Date(Date.UTC(2024, 0, 1 + (i % 365))).toISOString().replace('.000', '');
    const record = WARCRecord.create({ url: page.url, date, type: 'response', warcVersion: 'WARC/1.1', httpHeaders: { 'Content-Type': 'text/html; charset=utf-8' }, statusline: 'HTTP/1.1 200 OK' }, [encoder.encode(html)]);
    if (!out.write(await WARCSerializer.serialize(record, { gzip: true }))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

/** Runs `newsq index` on an archive; its peak resident memory (VmHWM) in MB, and its seconds. */
function indexArchive(file: string, indexDir: string): Promise<{ peakMb: number; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'newsq.js'), 'index', file, '--index-dir', indexDir, '--json'], { stdio: 'ignore' });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? peakKb);
    } catch {
      // The process has just ended: the last reading stands.
    }
  }, 100);
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`newsq index exited ${code}`));
      resolve({ peakMb: Math.round(peakKb / 1024), seconds: Math.round((performance.now() - started) / 100) / 10 });
    }),
  );
}

const list = pages(PAGES);
// The model's own memory: ten long pages (40 documents each) fill the model's batches at its
// longest input, as the archive's many pages do.
const long = Array.from({ length: 10 }, (_, n) => {
  const part = list.slice(n * 40, (n + 1) * 40);
  return { url: `https://long.example/${n}`, headline: part[0].headline, text: part.map((page) => page.text).join(' ') };
});
const model = join(work, 'model.warc.gz');
const half = join(work, 'half.warc.gz');
const large = join(work, 'large.warc.gz');
await writeArchive(model, long);
await writeArchive(half, list.slice(0, Math.floor(list.length / 2)));
await writeArchive(large, list);
const baseline = await indexArchive(model, join(work, 'model'));
const halfway = await indexArchive(half, join(work, 'half'));
const full = await indexArchive(large, join(work, 'large'));

const engine = await createEngine(resolveConfig({}, { indexDir: join(work, 'large') }), { writable: false });
const missed: Page[] = [];
for (const page of list) {
  const { results } = await engine.search({ query: page.headline, k: 10 });
  const found = results.some((r) => r.article.id === page.url || r.alsoIn.some((a) => a.id === page.url));
  if (!found) missed.push(page);
}
const { articles, passages } = await engine.stats();
await engine.close();
rmSync(work, { recursive: true, force: true });

console.log(
  JSON.stringify({
    pages: list.length,
    articles,
    passages,
    'index s': full.seconds,
    'peak MB, the model (10 long pages)': baseline.peakMb,
    'peak MB, half the pages': halfway.peakMb,
    'peak MB, all pages': full.peakMb,
    'more than the model, MB': full.peakMb - baseline.peakMb,
    'found by headline (top 10)': `${list.length - missed.length}/${list.length}`,
    missed: missed.map((page) => `${page.url} ${JSON.stringify(page.headline)}`),
  }),
);
