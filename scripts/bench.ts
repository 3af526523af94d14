/**
 * newsq's benchmark: `npm run bench`. Every figure is measured side by side with its reference in
 * this one run (these machines are noisy) and reported as a ratio, plus medians. Prints tables and
 * writes bench/results.json. Uses the SciFact corpus in ../shared/eval when present (the first
 * BENCH_DOCS documents), else the sample articles repeated.
 *
 *   npm run bench                 indexing, HTTP latency, breakdown, HNSW recall, 10k and 100k, peers
 *   BENCH_SCALE=1000000 npm run bench:scale    the scale section alone at 1M vectors
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { AutoModel, AutoTokenizer } from '@huggingface/transformers';
import { create, insertMultiple, search } from '@orama/orama';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { LocalIndex } from 'vectra';
import { readSources } from '../src/cli/read-sources.js';
import { resolveConfig } from '../src/config.js';
import { createEngine, loadEmbedder } from '../src/engine.js';
import type { ArticleInput } from '../src/ingest/article.js';
import { parseFile } from '../src/ingest/parse.js';
import { prepareArticle } from '../src/ingest/prepare.js';
import { BUNDLED_MODEL_ID } from '../src/embed/model-cache.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { exactTopK, mb, median, percentile, printTable, realisticVectors, recallAtK, round, time } from './bench-lib.js';

const ROOT = join(import.meta.dirname, '..');
const SCIFACT = join(ROOT, '..', 'shared', 'eval', 'scifact');
const DOCS = Number(process.env.BENCH_DOCS ?? 1500);
const SCALES = (process.env.BENCH_SCALE ?? '10000,100000').split(',').map(Number);
const ONLY_SCALE = process.argv.includes('--scale-only');
// The scale section alone embeds this many documents as the real vectors it perturbs.
const SCALE_BASE_DOCS = 600;
const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
const work = mkdtempSync(join(tmpdir(), 'newsq-bench-'));
const config = resolveConfig({}, { indexDir: join(work, 'index') });
const embedder = await loadEmbedder(config);

const { articles, queries, corpus } = loadCorpus();
results.corpus = corpus;
console.log(`newsq bench: ${corpus}, ${queries.length} queries, ${machine()}`);

if (!ONLY_SCALE) {
  await benchIndexing();
  const vectors = readVectors();
  const queryVectors = await embedder.embed(queries);
  await benchHttp();
  const breakdown = await benchBreakdown();
  benchHnsw(vectors, queryVectors);
  await benchPeers(vectors, queryVectors, breakdown);
  await benchScale(vectors, queryVectors);
} else {
  // The scale section alone needs real vectors to perturb: index a small corpus first.
  await createEngine(config, { writable: true, embedder }).then(async (engine) => {
    await engine.sync([{ origin: 'bench', articles: articles.slice(0, SCALE_BASE_DOCS), skipped: [] }]);
    engine.close();
  });
  results.corpus = `${corpus}; vectors of the first ${SCALE_BASE_DOCS} perturbed`;
  await benchScale(readVectors(), await embedder.embed(queries));
}

mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench', ONLY_SCALE ? 'scale-results.json' : 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`\nwrote bench/${ONLY_SCALE ? 'scale-results' : 'results'}.json`);

function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown CPU';
  return `${cpu}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function loadCorpus(): { articles: ArticleInput[]; queries: string[]; corpus: string } {
  if (existsSync(SCIFACT)) {
    const lines = readFileSync(join(SCIFACT, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, DOCS);
    const { articles } = parseFile('corpus.jsonl', Buffer.from(lines.join('\n')));
    const queries = readFileSync(join(SCIFACT, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 300).map((l) => (JSON.parse(l) as { text: string }).text);
    return { articles, queries, corpus: `SciFact, first ${articles.length} documents` };
  }
  console.log('../shared/eval/scifact is absent: benchmarking on the sample articles, repeated 40 times');
  const [source] = readSources([join(ROOT, 'data', 'articles')]);
  const articles = Array.from({ length: 40 }, (_, i) => source.articles.map((a) => ({ ...a, id: `${i}/${a.id}`, text: `${a.text}\n\nCopy ${i}.` }))).flat();
  const queries = ['why does Egypt oppose a Rafah offensive', 'What is the Philadelphi Corridor?', 'Hamas counter-proposals', 'Blinken visit to Israel', 'hostage release deal'];
  return { articles, queries: Array.from({ length: 60 }, (_, i) => queries[i % queries.length]), corpus: 'sample articles x40' };
}

/** 1. Whole `index` against the bare model (tokenizer + ONNX session) on the same passages. */
async function benchIndexing(): Promise<void> {
  const windows = { maxTokens: embedder.maxTokens, countTokens: (t: string) => embedder.countTokens(t) };
  const passages = articles.flatMap((a) => prepareArticle(a, windows).passages.map((p) => p.text));
  const modelDir = join(config.cacheDir, 'models');
  const { env } = await import('@huggingface/transformers');
  env.localModelPath = modelDir;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(BUNDLED_MODEL_ID);
  const model = await AutoModel.from_pretrained(BUNDLED_MODEL_ID, { dtype: 'q8', session_options: { intraOpNumThreads: 2, interOpNumThreads: 1 } });
  // The bare model at its fastest: each passage tokenized once (the tokenizer's encode), sorted by
  // token count, padded by hand into int64 tensors and run through the ONNX session in batches.
  const { Tensor } = await import('@huggingface/transformers');
  const bare = async () => {
    const encoded = passages.map((text) => tokenizer.encode(text).slice(0, config.maxTokens));
    encoded.sort((a, b) => a.length - b.length);
    for (let i = 0; i < encoded.length; i += config.batchSize) {
      const batch = encoded.slice(i, i + config.batchSize);
      const width = Math.max(...batch.map((ids) => ids.length));
      const ids = new BigInt64Array(batch.length * width);
      const mask = new BigInt64Array(batch.length * width);
      batch.forEach((row, r) => row.forEach((id, t) => ((ids[r * width + t] = BigInt(id)), (mask[r * width + t] = 1n))));
      const dims = [batch.length, width];
      await model({ input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims), token_type_ids: new Tensor('int64', new BigInt64Array(ids.length), dims) });
    }
  };
  await model(tokenizer(['warm up'], { padding: true }));
  const bareMs = await time(bare);
  const engine = await createEngine(config, { writable: true, embedder });
  let summary: { embedded: number } = { embedded: 0 };
  const newsqMs = await time(async () => (summary = await engine.sync([{ origin: 'bench', articles, skipped: [] }])));
  engine.close();
  const words = median(passages.map((p) => p.split(/\s+/).length));
  const row = {
    passages: passages.length,
    'median words': words,
    'bare passages/s': round((passages.length / bareMs) * 1000, 1),
    'newsq passages/s': round((summary.embedded / newsqMs) * 1000, 1),
    'newsq / bare': round(bareMs / newsqMs, 3),
  };
  results.indexing = row;
  printTable('1. Indexing throughput (q8): the whole index command vs the bare model (encode + ONNX session) on the same passages', [row]);
}

function readVectors(): Float32Array[] {
  const db = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true });
  const rows = db.prepare<[], { vector: Buffer }>('SELECT vector FROM passages ORDER BY id').all();
  db.close();
  return rows.map((r) => new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)));
}

/** 2. End-to-end HTTP latency from a separate process (the server), against the bare query embedding. */
async function benchHttp(): Promise<void> {
  const bareEmbed: number[] = [];
  for (const query of queries) bareEmbed.push(await time(() => embedder.embed([query])));
  const server = spawn(process.execPath, [join(ROOT, 'bin', 'newsq.js'), 'serve', '--index-dir', config.indexDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const requests = queries.map((q) => ({ method: 'GET' as const, path: `/search?q=${encodeURIComponent(q)}&k=10` }));
  const run = (connections: number, options: { amount?: number; duration?: number }) =>
    autocannon({ url, connections, requests, ...options }) as unknown as Promise<autocannon.Result>;
  await run(1, { amount: 50 }); // warm up
  const rows = [];
  for (const [label, connections, options] of [
    ['sequential', 1, { amount: queries.length * 2 }],
    ['8 concurrent', 8, { duration: 10 }],
    ['32 concurrent', 32, { duration: 10 }],
  ] as const) {
    const r = await run(connections, options);
    rows.push({ clients: label, requests: r.requests.total, 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, QPS: round(r.requests.average, 1), errors: r.errors + r.timeouts, non2xx: r.non2xx });
  }
  server.kill('SIGTERM');
  const bareP50 = median(bareEmbed);
  results.http = { rows, bareEmbedP50: round(bareP50, 2), p50OverBareEmbed: round(rows[0]['p50 ms'] / bareP50, 2) };
  printTable('2. HTTP /search latency (autocannon in this process, server in its own)', rows);
  console.log(`bare query embedding p50 ${round(bareP50, 2)} ms; sequential HTTP p50 / bare embedding = ${round(rows[0]['p50 ms'] / bareP50, 2)}`);
}

/** 2b. Where a query's time goes, in process, through the engine's own code: medians over the queries. */
async function benchBreakdown(): Promise<Record<string, number>> {
  const engine = await createEngine(config, { writable: false, embedder });
  await engine.search({ query: 'warm up' });
  const stages: Record<string, number[]> = {};
  for (const query of queries) {
    const timings: Record<string, number> = {};
    await engine.search({ query, k: 10, timings });
    for (const [stage, ms] of Object.entries(timings)) (stages[stage] ??= []).push(ms);
  }
  engine.close();
  // rank's own embed stage is empty: search embeds once, before ranking.
  const medians = Object.fromEntries(Object.entries(stages).filter(([stage]) => stage !== 'rank').map(([stage, v]) => [stage, round(median(v), 3)]));
  const retrieval = round(median(queries.map((_, i) => ['vector', 'lexical', 'hydrate', 'fuse'].reduce((sum, stage) => sum + (stages[stage]?.[i] ?? 0), 0))), 3);
  results.breakdown = { ...medians, retrievalAfterEmbedding: retrieval };
  printTable('2b. In-process breakdown of a k=10 search, median ms per query', [{ ...medians, 'retrieval (vector+lexical+hydrate+fuse)': retrieval }]);
  return { ...medians, retrieval };
}

/** 3. HNSW recall@10 against exact search on the real passage vectors, by ef. */
function benchHnsw(vectors: Float32Array[], queryVectors: Float32Array[]): void {
  const truth = queryVectors.map((q) => exactTopK(vectors, q, 10));
  const rows = [];
  let index!: VectorIndex;
  const buildMs = performanceOf(() => {
    index = VectorIndex.create(vectors[0].length, config.hnsw, vectors.length);
    vectors.forEach((v, i) => index.add(i, v));
  });
  for (const ef of [16, 32, 64, 128, 256]) {
    const latencies: number[] = [];
    const found = queryVectors.map((q) => {
      const started = performance.now();
      const hits = index.search(q, 10, { ef });
      latencies.push((performance.now() - started) * 1000);
      return hits.map((h) => h.id);
    });
    rows.push({ ef, 'recall@10': round(recallAtK(truth, found), 4), 'p50 µs': round(median(latencies), 1), 'p99 µs': round(percentile(latencies, 99), 1), default: ef === config.hnsw.efSearch ? 'yes' : '' });
  }
  results.hnsw = { vectors: vectors.length, m: config.hnsw.m, efConstruction: config.hnsw.efConstruction, buildMs: round(buildMs, 1), rows };
  printTable(`3. HNSW on ${vectors.length} real passage vectors (M=${config.hnsw.m}, efConstruction=${config.hnsw.efConstruction}, built in ${round(buildMs)} ms)`, rows);
}

function performanceOf(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** 5. Orama and Vectra on the same passages and vectors. */
async function benchPeers(vectors: Float32Array[], queryVectors: Float32Array[], newsq: Record<string, number>): Promise<void> {
  const db = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true });
  const texts = db.prepare<[], { text: string }>('SELECT text FROM passages ORDER BY id').all().map((r) => r.text);
  db.close();
  const truth = queryVectors.map((q) => exactTopK(vectors, q, 10));
  const rows: Record<string, string | number>[] = [];
  const newsqStore = openSqliteStore({ dir: config.indexDir, identity: null, hnsw: config.hnsw, writable: false })!;
  const idOrder = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true }).prepare<[], { id: number }>('SELECT id FROM passages ORDER BY id').all().map((r) => r.id);
  const position = new Map(idOrder.map((id, i) => [id, i]));
  const newsqFound = queryVectors.map((q) => newsqStore.nearest(q, 10).map((h) => position.get(h.id)!));
  newsqStore.close();
  rows.push({ engine: 'newsq hybrid (HNSW + BM25 + fusion)', 'index s': '(see 1)', 'query p50 ms': newsq.retrieval, 'vector recall@10': round(recallAtK(truth, newsqFound), 4), 'newsq speed-up': 1 });

  const before = process.memoryUsage().rss;
  const orama = create({ schema: { text: 'string', embedding: `vector[${vectors[0].length}]` } as const });
  const oramaMs = await time(() => insertMultiple(orama, texts.map((text, i) => ({ id: String(i), text, embedding: Array.from(vectors[i]) })), 500));
  const oramaRss = process.memoryUsage().rss - before;
  for (const mode of ['vector', 'hybrid'] as const) {
    const latencies: number[] = [];
    const found: number[][] = [];
    for (let i = 0; i < queries.length; i++) {
      const params =
        mode === 'vector'
          ? { mode, vector: { value: Array.from(queryVectors[i]), property: 'embedding' }, similarity: 0.1, limit: 10 }
          : { mode, term: queries[i], vector: { value: Array.from(queryVectors[i]), property: 'embedding' }, similarity: 0.1, limit: 10 };
      const started = performance.now();
      const r = await search(orama, params as never);
      latencies.push(performance.now() - started);
      found.push(r.hits.map((h) => Number(h.id)));
    }
    const p50 = median(latencies);
    rows.push({ engine: `Orama ${mode}`, 'index s': round(oramaMs / 1000, 2), 'query p50 ms': round(p50, 3), 'vector recall@10': mode === 'vector' ? round(recallAtK(truth, found), 4) : '-', 'newsq speed-up': round(p50 / newsq.retrieval, 1), 'RSS MB': mb(oramaRss) });
  }

  const folder = join(work, 'vectra');
  const vectra = new LocalIndex(folder);
  await vectra.createIndex();
  const vectraMs = await time(async () => {
    await vectra.beginUpdate();
    for (let i = 0; i < vectors.length; i++) await vectra.insertItem({ vector: Array.from(vectors[i]), metadata: { i } });
    await vectra.endUpdate();
  });
  const latencies: number[] = [];
  const found: number[][] = [];
  for (const q of queryVectors) {
    const started = performance.now();
    const r = await vectra.queryItems(Array.from(q), '', 10);
    latencies.push(performance.now() - started);
    found.push(r.map((hit) => Number(hit.item.metadata.i)));
  }
  const p50 = median(latencies);
  rows.push({ engine: 'Vectra', 'index s': round(vectraMs / 1000, 2), 'query p50 ms': round(p50, 3), 'vector recall@10': round(recallAtK(truth, found), 4), 'newsq speed-up': round(p50 / newsq.retrieval, 1), 'index file MB': mb(statSync(join(folder, 'index.json')).size) });
  results.peers = { passages: vectors.length, rows };
  printTable(`5. Peers on the same ${vectors.length} passages and vectors (query time excludes embedding)`, rows);
}

/** 4. Cost by size: realistic vectors at each scale. */
async function benchScale(real: Float32Array[], queryVectors: Float32Array[]): Promise<void> {
  const rows = [];
  const probes = queryVectors.slice(0, 100);
  for (const size of SCALES) {
    const vectors = realisticVectors(real, size);
    const truth = probes.map((q) => exactTopK(vectors, q, 10));
    let index!: VectorIndex;
    const buildMs = performanceOf(() => {
      index = VectorIndex.create(vectors[0].length, config.hnsw, size);
      vectors.forEach((v, i) => index.add(i, v));
    });
    const file = join(work, `scale-${size}.hnsw`);
    index.save(file);
    const rssBefore = process.memoryUsage().rss;
    let loaded!: VectorIndex;
    const loadMs = performanceOf(() => (loaded = VectorIndex.load(file, vectors[0].length, config.hnsw, size)));
    const rssLoaded = process.memoryUsage().rss - rssBefore;
    const latencies: number[] = [];
    const found = probes.map((q) => {
      const started = performance.now();
      const hits = loaded.search(q, 10);
      latencies.push((performance.now() - started) * 1000);
      return hits.map((h) => h.id);
    });
    const row: Record<string, string | number> = {
      vectors: size,
      'build s': round(buildMs / 1000, 1),
      'inserts/s': Math.round(size / (buildMs / 1000)),
      'file MB': mb(statSync(file).size),
      'load ms': round(loadMs, 1),
      'RSS after load MB': mb(rssLoaded),
      'search p50 µs': round(median(latencies), 1),
      'p99 µs': round(percentile(latencies, 99), 1),
      'recall@10': round(recallAtK(truth, found), 4),
    };
    if (size <= 100_000 && !ONLY_SCALE) {
      // Orama's vector search is brute force: its time grows with the corpus.
      const orama = create({ schema: { embedding: `vector[${vectors[0].length}]` } as const });
      await insertMultiple(orama, vectors.map((v, i) => ({ id: String(i), embedding: Array.from(v) })), 1000);
      const oramaLatencies: number[] = [];
      for (const q of probes.slice(0, 30)) {
        const started = performance.now();
        await search(orama, { mode: 'vector', vector: { value: Array.from(q), property: 'embedding' }, similarity: 0.1, limit: 10 } as never);
        oramaLatencies.push((performance.now() - started) * 1000);
      }
      row['Orama vector p50 µs'] = round(median(oramaLatencies), 1);
      row['Orama / newsq'] = round(median(oramaLatencies) / median(latencies), 1);
    }
    rows.push(row);
    rmSync(file, { force: true });
  }
  results.scale = rows;
  printTable('4. Scale: realistic 384-dim vectors (real passage vectors + noise), HNSW M=16 efC=200 ef=64', rows);
}
