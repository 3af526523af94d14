/**
 * newsq's benchmark: `npm run bench`. Every figure is measured side by side with its reference in
 * this one run (these machines are noisy) and reported as a ratio, plus medians. Prints tables and
 * writes bench/results.json. Uses the SciFact corpus in ../shared/eval when present (the first
 * BENCH_DOCS documents), else the sample articles repeated.
 *
 *   npm run bench                 the encoder, indexing, HTTP latency, breakdown, HNSW recall, 10k and 100k, peers
 *   npm run bench -- --only=http  indexing and the sections named (encoder, http, breakdown, hnsw, updates, peers, large, scale, postgres)
 *   npm run bench -- --only=encoder   the encoder section alone
 *   BENCH_SCALE=1000000 npm run bench:scale    the scale section alone at 1M vectors
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { create, insertMultiple, search } from '@orama/orama';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { LocalIndex } from 'vectra';
import { readSources } from '../src/read-sources.js';
import { resolveConfig } from '../src/config.js';
import { createEngine, loadEmbedder } from '../src/engine.js';
import type { ArticleInput } from '../src/ingest/article.js';
import { parseFile } from '../src/ingest/parse.js';
import { prepareArticle } from '../src/ingest/prepare.js';
import { BUNDLED_MODEL_ID } from '../src/embed/model-cache.js';
import { batchesByLength } from '../src/embed/transformers-embedder.js';
import { CHUNKER_VERSION } from '../src/ingest/split.js';
import { FORMAT_VERSION } from '../src/store/manifest.js';
import { passageTerms } from '../src/ingest/analyze.js';
import { openStore } from '../src/store/open-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { VectorIndex } from '../src/store/vector/vector-index.js';
import { LINEAR_MACS_PER_TOKEN, attentionMacs, buildEncoder, productCeiling, startEncoderRunner, type TokenBatch } from './encoder-lib.js';
import { exactTopK, mb, median, percentile, printTable, realisticVectors, recallAtK, round, time } from './bench-lib.js';

const ROOT = join(import.meta.dirname, '..');
const SCIFACT = join(ROOT, '..', 'shared', 'eval', 'scifact');
const DOCS = Number(process.env.BENCH_DOCS ?? 1500);
// Documents of the larger job the PostgreSQL section's workers index (section 6a).
const WORKER_DOCS = Number(process.env.BENCH_WORKER_DOCS ?? 3000);
const SCALES = (process.env.BENCH_SCALE ?? '10000,100000').split(',').map(Number);
const ONLY_SCALE = process.argv.includes('--scale-only');
// `--only http,large` runs the indexing section (every other one reads its index) and those named:
// http, breakdown, hnsw, updates, peers, large, scale.
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const runs = (section: string): boolean => !only || only.includes(section);
// Everything after the question's embedding that finds and reads the passages: what peers are compared on.
const RETRIEVAL_STAGES = ['lexical', 'vector', 'vectors', 'fuse', 'hydrate'];
const VECTRA_HYBRID_QUERIES = 5;
const HTTP_QUESTIONS = 1400;
// The outlets bench articles are given (benchFacts).
const OUTLETS = ['Reuters', 'AP', 'AFP', 'BBC', 'The National', 'Al Jazeera', 'The Guardian', 'Le Monde', 'Der Spiegel', 'NHK', 'El País', 'ANSA'];
// Asked with coverage counts: what the search page asks for (sections 2a and 2d).
const COVERAGE = '&timeline=auto&outlets=true';
// Questions past HTTP_QUESTIONS, asked plain and with coverage counts side by side (sections 2a and 2d).
const COVERAGE_QUESTIONS = 400;
// Passages in the large index that `serve` is started on (section 2c).
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
// The scale section alone embeds this many documents as the real vectors it perturbs.
const SCALE_BASE_DOCS = 600;
const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
const work = mkdtempSync(join(tmpdir(), 'newsq-bench-'));
const config = resolveConfig({}, { indexDir: join(work, 'index') });
const embedder = await loadEmbedder(config);

const { articles, queries, questions, corpus } = loadCorpus();
results.corpus = corpus;
console.log(`newsq bench: ${corpus}, ${queries.length} queries, ${machine()}`);

if (only?.length === 1 && only[0] === 'encoder') {
  await benchEncoder();
} else if (!ONLY_SCALE) {
  if (runs('encoder')) await benchEncoder();
  await benchIndexing();
  const vectors = readVectors();
  const queryVectors = await embedder.embed(queries);
  if (runs('http')) await benchHttp();
  const breakdown = runs('breakdown') || runs('peers') ? await benchBreakdown() : {};
  if (runs('hnsw')) benchHnsw(vectors, queryVectors);
  if (runs('updates')) benchHnswUpdates(vectors, queryVectors);
  if (runs('peers')) await benchPeers(vectors, queryVectors, breakdown);
  if (runs('large')) await benchLargeIndex(vectors, queryVectors, LARGE);
  if (runs('scale')) await benchScale(vectors, queryVectors);
  if (runs('postgres')) await benchPostgres(vectors);
} else {
  // The scale section alone needs real vectors to perturb: index a small corpus first.
  await createEngine(config, { writable: true, embedder }).then(async (engine) => {
    await engine.sync([{ origin: 'bench', articles: articles.slice(0, SCALE_BASE_DOCS), skipped: [] }]);
    await engine.close();
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

/**
 * The corpus, 300 queries for in-process measurements, and at least 1,400 distinct questions for
 * HTTP runs, so that no run is answered from the server's question cache.
 */
function loadCorpus(): { articles: ArticleInput[]; queries: string[]; questions: string[]; corpus: string } {
  if (existsSync(SCIFACT)) {
    const articles = sciFactArticles(DOCS);
    const all = readFileSync(join(SCIFACT, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    const questions = [...new Set(all)];
    return { articles, queries: all.slice(0, 300), questions: distinct(questions, HTTP_QUESTIONS + COVERAGE_QUESTIONS), corpus: `SciFact, first ${articles.length} documents` };
  }
  console.log('../shared/eval/scifact is absent: benchmarking on the sample articles, repeated 40 times');
  const [source] = readSources([join(ROOT, 'data', 'articles')]);
  const articles = Array.from({ length: 40 }, (_, i) => source.articles.map((a) => ({ ...a, id: `${i}/${a.id}`, text: `${a.text}\n\nCopy ${i}.` }))).flat();
  const queries = ['why does Egypt oppose a Rafah offensive', 'What is the Philadelphi Corridor?', 'Hamas counter-proposals', 'Blinken visit to Israel', 'hostage release deal'];
  return { articles, queries: Array.from({ length: 60 }, (_, i) => queries[i % queries.length]), questions: distinct(queries, HTTP_QUESTIONS + COVERAGE_QUESTIONS), corpus: 'sample articles x40' };
}

/** The first `count` documents of SciFact, as articles, each given an outlet and a date (`benchFacts`). */
function sciFactArticles(count: number): ArticleInput[] {
  const lines = readFileSync(join(SCIFACT, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, count);
  return parseFile('corpus.jsonl', Buffer.from(lines.join('\n'))).articles.map((article, i) => ({ ...article, ...benchFacts(i) }));
}

/** The i-th bench article's outlet and date (two years of days), so coverage counts have work to do. */
function benchFacts(i: number): { source: string; published: string } {
  const day = (i * 37) % 730;
  return { source: OUTLETS[(i * 7) % OUTLETS.length], published: new Date(Date.UTC(2023, 0, 1 + day)).toISOString().slice(0, 10) };
}

/** At least `count` distinct questions: the given ones, then numbered variants of them. */
function distinct(questions: string[], count: number): string[] {
  const out = [...questions];
  for (let i = 0; out.length < count; i++) out.push(`${questions[i % questions.length]} (${Math.floor(i / questions.length) + 1})`);
  return out;
}

/** The bench's passages as `index` cuts them, and their token ids as the model takes them (special tokens included). */
async function benchPassages(): Promise<{ passages: string[]; tokenize: (text: string) => number[] }> {
  const windows = { maxTokens: embedder.maxTokens, countTokens: (t: string) => embedder.countTokens(t) };
  const passages = articles.flatMap((a) => prepareArticle(a, windows).passages.map((p) => p.text));
  const { env } = await import('@huggingface/transformers');
  env.localModelPath = join(config.cacheDir, 'models');
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(BUNDLED_MODEL_ID);
  return { passages, tokenize: (text) => tokenizer.encode(text).slice(0, config.maxTokens) };
}

/** Token batches as newsq forms them: one token count a batch, at most the configured batch size. */
function tokenBatches(encoded: number[][]): TokenBatch[] {
  return batchesByLength(
    encoded.map((ids) => ids.length),
    config.batchSize,
  ).map((batch) => batch.map((i) => encoded[i]));
}

/** 1. Whole `index` against the bare model (tokenizer + the model's ONNX sessions) on the same passages. */
async function benchIndexing(): Promise<void> {
  const { passages, tokenize } = await benchPassages();
  // The bare model at its fastest: each passage tokenized once, batches of one token count run by
  // newsq's encoder on one session of one thread per core, each taking the next batch (section 1b).
  const cores = config.threads ?? availableParallelism();
  const runner = await startEncoderRunner(buildEncoder('fused', 'q8'), cores, 1);
  const bare = async () => runner.run(tokenBatches(passages.map(tokenize)));
  await runner.run(tokenBatches([tokenize('warm up')]));
  // Alternating runs, best of three each: this machine's speed drifts over a minute.
  const bareRuns: number[] = [];
  const newsqRuns: number[] = [];
  let summary: { embedded: number } = { embedded: 0 };
  for (const rebuild of [false, true, true]) {
    bareRuns.push(await time(bare));
    const engine = await createEngine(config, { writable: true, rebuild, embedder });
    newsqRuns.push(await time(async () => (summary = await engine.sync([{ origin: 'bench', articles, skipped: [] }]))));
    await engine.close();
  }
  await runner.close();
  const bareMs = Math.min(...bareRuns);
  const newsqMs = Math.min(...newsqRuns);
  const words = median(passages.map((p) => p.split(/\s+/).length));
  const row = {
    passages: passages.length,
    'median words': words,
    'bare passages/s': round((passages.length / bareMs) * 1000, 1),
    'newsq passages/s': round((summary.embedded / newsqMs) * 1000, 1),
    'newsq / bare': round(bareMs / newsqMs, 3),
    'runs (bare; newsq) s': `${bareRuns.map((ms) => round(ms / 1000, 1)).join(', ')}; ${newsqRuns.map((ms) => round(ms / 1000, 1)).join(', ')}`,
  };
  results.indexing = row;
  printTable('1. Indexing throughput (q8): the whole index command vs the bare model (tokenizer + ONNX sessions) on the same passages', [row]);
}

/**
 * 1b. The encoder alone: the int8 product's ceiling at the encoder's shapes, then the standard
 * graph newsq built before (scripts/standard-encoder.ts) and its fused graph side by side, each on
 * one session with every thread and on one session of one thread per core, on the same passages;
 * and questions, one at a time.
 */
async function benchEncoder(): Promise<void> {
  const cores = config.threads ?? availableParallelism();
  const ceiling = await productCeiling(4096, cores);
  printTable(`1b. The int8 product alone (MatMulIntegerToFloat) at the encoder's shapes, ${cores} threads: ${round(ceiling.gmacs, 0)} GMAC/s at their mix`, ceiling.rows);

  const { passages, tokenize } = await benchPassages();
  const encoded = passages.map(tokenize);
  const batches = tokenBatches(encoded);
  const macs = encoded.reduce((sum, ids) => sum + ids.length * LINEAR_MACS_PER_TOKEN + attentionMacs(ids.length), 0);
  const setups = [
    { graph: 'standard', sessions: 1, threads: cores },
    { graph: 'fused', sessions: 1, threads: cores },
    { graph: 'standard', sessions: cores, threads: 1 },
    { graph: 'fused', sessions: cores, threads: 1 },
  ] as const;
  const runners = await Promise.all(setups.map((setup) => startEncoderRunner(buildEncoder(setup.graph, 'q8'), setup.sessions, setup.threads)));
  for (const runner of runners) await runner.run(batches.slice(-2));
  // Alternating runs, best of three each.
  const passageRuns = setups.map(() => [] as number[]);
  for (let round = 0; round < 3; round++) for (const [i, runner] of runners.entries()) passageRuns[i].push(await runner.run(batches));
  const questionRuns = setups.map(() => [] as number[]);
  const asked = queries.map(tokenize).map((ids) => [ids]);
  for (let round = 0; round < 3; round++) for (const i of [0, 1]) questionRuns[i].push(median(await runners[i].runEach(asked)));
  await Promise.all(runners.map((runner) => runner.close()));

  const best = passageRuns.map((runs) => Math.min(...runs));
  const rows = setups.map((setup, i) => ({
    graph: setup.graph,
    sessions: `${setup.sessions} x ${setup.threads} thread${setup.threads > 1 ? 's' : ''}`,
    'passages/s': round((passages.length / best[i]) * 1000, 1),
    'vs standard, 1 session': round(best[0] / best[i], 2),
    'GMAC/s': round(macs / best[i] / 1e6, 0),
    'share of ceiling': `${round((macs / best[i] / 1e6 / ceiling.gmacs) * 100, 0)}%`,
    'question p50 ms': i < 2 ? round(Math.min(...questionRuns[i]), 3) : '',
    'runs s': passageRuns[i].map((ms) => round(ms / 1000, 1)).join(', '),
  }));
  const speedup = round(best[0] / best[3], 2);
  const questionRatio = round(Math.min(...questionRuns[1]) / Math.min(...questionRuns[0]), 2);
  results.encoder = { ceiling, rows, speedup, questionRatio };
  printTable(`1b. The encoder on ${passages.length} passages (best of three alternating runs) and ${asked.length} questions one at a time: fused graph on one-thread sessions ${speedup}x the standard graph on one session; a question ${questionRatio}x its time`, rows);
}

function readVectors(): Float32Array[] {
  const db = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true });
  const rows = db.prepare<[], { vector: Buffer }>('SELECT vector FROM passages ORDER BY id').all();
  db.close();
  return rows.map((r) => new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)));
}

/** Starts `newsq serve` on an index in its own process; resolves when it listens, with its URL. */
async function startServer(indexDir: string, env: Record<string, string> = {}): Promise<{ url: string; readyMs: number; pid: number; stop: () => Promise<void> }> {
  const started = performance.now();
  // The server's request log goes to its stderr: discarded here, but still written, as in production.
  const server = spawn(process.execPath, [join(ROOT, 'bin', 'newsq.js'), 'serve', '--index-dir', indexDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ...env },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  const readyMs = performance.now() - started;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
  return { url, readyMs, pid: server.pid!, stop };
}

/** Sends each question once, one after another, on one kept-alive connection; returns each latency in ms. */
async function askInTurn(url: string, questions: string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (const question of questions) {
    const started = performance.now();
    const response = await fetch(`${url}/search?q=${encodeURIComponent(question)}&k=10`);
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    if (!response.ok) throw new Error(`search answered ${response.status}`);
  }
  return latencies;
}

/** Sends each question once, over `connections` concurrent clients: no answer comes from the question cache. */
function ask(url: string, questions: string[], connections: number): Promise<autocannon.Result> {
  let next = 0;
  const path = () => `/search?q=${encodeURIComponent(questions[next++ % questions.length])}&k=10`;
  return autocannon({
    url,
    connections,
    amount: questions.length,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
    // autocannon ends a run at its next sample tick: at the default 1 s, a 1.3 s run reports 2 s.
    sampleInt: 10,
  }) as unknown as Promise<autocannon.Result>;
}

/** 2. End-to-end HTTP latency from a separate process (the server), against the bare query embedding. */
async function benchHttp(): Promise<void> {
  const bareEmbed: number[] = [];
  for (const question of questions.slice(0, 300)) bareEmbed.push(await time(() => embedder.embed([question])));
  const server = await startServer(config.indexDir);
  await ask(server.url, questions.slice(0, 30).map((q) => `${q} (warm-up)`), 1);
  const rows: Record<string, string | number>[] = [];
  for (const [label, connections, slice] of [
    ['sequential', 1, questions.slice(0, 300)],
    ['8 concurrent', 8, questions.slice(300, 700)],
    ['32 concurrent', 32, questions.slice(700, 1100)],
    // New questions again, but the server has answered 1,100 others: its word and passage caches
    // hold what a running server's would, only the question vectors are new.
    ['sequential, after 1,100 other questions', 1, questions.slice(1100, 1400)],
    ['8 concurrent, questions asked before (cache)', 8, questions.slice(0, 300)],
  ] as const) {
    if (connections === 1) {
      // One client, timed here to the hundredth of a millisecond (autocannon rounds to whole ones).
      const started = performance.now();
      const latencies = await askInTurn(server.url, [...slice]);
      const seconds = (performance.now() - started) / 1000;
      rows.push({ clients: label, requests: latencies.length, 'p50 ms': round(median(latencies), 2), 'p99 ms': round(percentile(latencies, 99), 2), QPS: round(latencies.length / seconds, 1), errors: 0, non2xx: 0 });
      continue;
    }
    const r = await ask(server.url, [...slice], connections);
    // Requests over the run's duration (to the sample tick): autocannon's own average is per whole second.
    rows.push({ clients: label, requests: r.requests.total, 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, QPS: round(r.requests.total / r.duration, 1), errors: r.errors + r.timeouts, non2xx: r.non2xx });
  }
  const coverage = await coverageSideBySide(server.url, questions.slice(HTTP_QUESTIONS));
  await server.stop();
  const bareP50 = median(bareEmbed);
  const ratio = (row: number) => round(Number(rows[row]['p50 ms']) / bareP50, 2);
  results.http = { rows, bareEmbedP50: round(bareP50, 2), p50OverBareEmbed: ratio(0), warmP50OverBareEmbed: ratio(3), coverage };
  printTable('2. HTTP /search latency (server in its own process; one client timed here, several by autocannon; every question new to the server unless marked)', rows);
  console.log(`bare query embedding p50 ${round(bareP50, 2)} ms; sequential HTTP p50 / bare embedding = ${ratio(0)} (fresh server), ${ratio(3)} (after 1,100 questions)`);
  printTable('2a. Coverage counts (timeline=auto&outlets=true) against a plain search, questions alternating, one client', [coverage]);
}

/**
 * Plain searches and searches with coverage counts, alternating, each question new to the server
 * (the even ones plain, the odd ones counted): p50 of each, and their ratio.
 */
async function coverageSideBySide(url: string, asked: string[]): Promise<Record<string, number>> {
  const plain: number[] = [];
  const counted: number[] = [];
  let articles = 0;
  for (let i = 0; i + 1 < asked.length; i += 2) {
    plain.push(await time(() => fetch(`${url}/search?q=${encodeURIComponent(asked[i])}&k=10`).then((r) => r.text())));
    let body = '';
    counted.push(await time(async () => void (body = await fetch(`${url}/search?q=${encodeURIComponent(asked[i + 1])}&k=10${COVERAGE}`).then((r) => r.text()))));
    articles += (JSON.parse(body) as { coverage: { articles: number } }).coverage.articles;
  }
  return {
    questions: plain.length + counted.length,
    'plain p50 ms': round(median(plain), 2),
    'with counts p50 ms': round(median(counted), 2),
    'counts / plain': round(median(counted) / median(plain), 2),
    'matching articles, mean': round(articles / counted.length, 1),
  };
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
  await engine.close();
  // rank's own embed stage is empty: search embeds once, before ranking.
  const medians = Object.fromEntries(Object.entries(stages).filter(([stage]) => stage !== 'rank').map(([stage, v]) => [stage, round(median(v), 3)]));
  const retrieval = round(median(queries.map((_, i) => RETRIEVAL_STAGES.reduce((sum, stage) => sum + (stages[stage]?.[i] ?? 0), 0))), 3);
  results.breakdown = { ...medians, retrievalAfterEmbedding: retrieval };
  printTable('2b. In-process breakdown of a k=10 search, median ms per query', [{ ...medians, 'retrieval (lexical+vector+vectors+fuse+hydrate)': retrieval }]);
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
    const { found, latencies } = timedSearches(index, queryVectors, ef);
    rows.push({ ef, 'recall@10': round(recallAtK(truth, found), 4), 'p50 µs': round(median(latencies), 1), 'p99 µs': round(percentile(latencies, 99), 1), default: ef === config.hnsw.efSearch ? 'yes' : '' });
  }
  results.hnsw = { vectors: vectors.length, m: config.hnsw.m, efConstruction: config.hnsw.efConstruction, buildMs: round(buildMs, 1), rows };
  printTable(`3. HNSW on ${vectors.length} real passage vectors (M=${config.hnsw.m}, efConstruction=${config.hnsw.efConstruction}, built in ${round(buildMs)} ms)`, rows);
}

/**
 * 3b. HNSW after updates, as `serve` takes them through the API: half the vectors built, then each
 * of the others added right after one of the first half is removed (it takes the removed one's
 * place), against a graph built afresh from the same live vectors.
 */
function benchHnswUpdates(vectors: Float32Array[], queryVectors: Float32Array[]): void {
  const half = Math.floor(vectors.length / 2);
  const truth = queryVectors.map((q) => exactTopK(vectors.slice(half), q, 10).map((i) => i + half));
  const updated = VectorIndex.create(vectors[0].length, config.hnsw, half);
  for (let i = 0; i < half; i++) updated.add(i, vectors[i]);
  for (let i = half; i < vectors.length; i++) {
    if (i - half < half) updated.remove(i - half);
    updated.add(i, vectors[i]);
  }
  const fresh = VectorIndex.create(vectors[0].length, config.hnsw, vectors.length - half);
  for (let i = half; i < vectors.length; i++) fresh.add(i, vectors[i]);
  const graphs: [string, VectorIndex][] = [
    ['updated', updated],
    ['built afresh', fresh],
  ];
  const rows = graphs.map(([graph, index]) => {
    const { found, latencies } = timedSearches(index, queryVectors);
    return { graph, elements: index.elements, 'recall@10': round(recallAtK(truth, found), 4), 'p50 µs': round(median(latencies), 1) };
  });
  results.hnswUpdates = { live: vectors.length - half, removedAndReplaced: half, rows };
  printTable(`3b. HNSW after ${half} removals, each followed by an addition (${vectors.length - half} live vectors, ef=${config.hnsw.efSearch})`, rows);
}

/** The 10 nearest ids for each query vector, and each search's time in µs. */
function timedSearches(index: VectorIndex, queryVectors: Float32Array[], ef?: number): { found: number[][]; latencies: number[] } {
  const latencies: number[] = [];
  const found = queryVectors.map((q) => {
    const started = performance.now();
    const hits = index.search(q, 10, { ef });
    latencies.push((performance.now() - started) * 1000);
    return hits.map((h) => h.id);
  });
  return { found, latencies };
}

function performanceOf(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** 5. Orama and Vectra on the same passages and vectors. */
async function benchPeers(vectors: Float32Array[], queryVectors: Float32Array[], newsq: Record<string, number>): Promise<void> {
  const texts = corpusTexts();
  const truth = queryVectors.map((q) => exactTopK(vectors, q, 10));
  const rows: Record<string, string | number>[] = [];
  const newsqStore = openSqliteStore({ dir: config.indexDir, identity: null, hnsw: config.hnsw, owner: false, titleWeight: config.search.titleWeight })!;
  const idOrder = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true }).prepare<[], { id: number }>('SELECT id FROM passages ORDER BY id').all().map((r) => r.id);
  const position = new Map(idOrder.map((id, i) => [id, i]));
  const newsqFound: number[][] = [];
  for (const q of queryVectors) newsqFound.push((await newsqStore.reader.nearest(q, 10)).map((h) => position.get(h.id)!));
  // The task Vectra's query does: the 10 nearest passages, read with their data.
  const denseLatencies: number[] = [];
  for (const q of queryVectors) {
    const started = performance.now();
    await newsqStore.reader.passages((await newsqStore.reader.nearest(q, 10)).map((h) => h.id));
    denseLatencies.push(performance.now() - started);
  }
  await newsqStore.close();
  const newsqDense = median(denseLatencies);
  rows.push({ engine: 'newsq hybrid (HNSW + BM25 + fusion)', 'index s': '(see 1)', 'query p50 ms': newsq.retrieval, 'vector recall@10': round(recallAtK(truth, newsqFound), 4), 'newsq hybrid speed-up': 1, 'same-task speed-up': '' });
  rows.push({ engine: 'newsq dense (HNSW, 10 passages read)', 'index s': '(see 1)', 'query p50 ms': round(newsqDense, 3), 'vector recall@10': round(recallAtK(truth, newsqFound), 4), 'newsq hybrid speed-up': '', 'same-task speed-up': '' });
  // Each peer against newsq's hybrid retrieval, and against newsq doing the same task (dense or hybrid).
  const speedUps = (p50: number, hybrid: boolean) => ({ 'newsq hybrid speed-up': round(p50 / newsq.retrieval, 1), 'same-task speed-up': round(p50 / (hybrid ? newsq.retrieval : newsqDense), 1) });

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
    rows.push({ engine: `Orama ${mode}`, 'index s': round(oramaMs / 1000, 2), 'query p50 ms': round(p50, 3), 'vector recall@10': mode === 'vector' ? round(recallAtK(truth, found), 4) : '-', ...speedUps(p50, mode === 'hybrid'), 'RSS MB': mb(oramaRss) });
  }

  // Vectra's hybrid query reads each passage's text from its document files: items carry the
  // document id and span that LocalDocumentIndex.upsertDocument would give them (calling that
  // per passage rewrites the whole index file each time).
  const folder = join(work, 'vectra');
  const vectra = new LocalIndex(folder);
  await vectra.createIndex();
  const vectraMs = await time(async () => {
    await vectra.beginUpdate();
    for (let i = 0; i < vectors.length; i++) await vectra.insertItem({ vector: Array.from(vectors[i]), metadata: { i, documentId: String(i), startPos: 0, endPos: texts[i].length - 1 } });
    await vectra.endUpdate();
  });
  texts.forEach((text, i) => writeFileSync(join(folder, `${i}.txt`), text));
  const vectraIndexMb = mb(statSync(join(folder, 'index.json')).size);
  for (const hybrid of [false, true]) {
    const latencies: number[] = [];
    const found: number[][] = [];
    // Vectra rebuilds its BM25 index from every passage's text for each hybrid query (seconds): a few suffice.
    const asked = hybrid ? VECTRA_HYBRID_QUERIES : queryVectors.length;
    for (let i = 0; i < asked; i++) {
      const started = performance.now();
      const r = await vectra.queryItems(Array.from(queryVectors[i]), queries[i], 10, undefined, hybrid);
      latencies.push(performance.now() - started);
      found.push(r.map((hit) => Number(hit.item.metadata.i)));
    }
    const p50 = median(latencies);
    rows.push({
      engine: hybrid ? `Vectra hybrid (vector + BM25; ${asked} queries)` : 'Vectra',
      'index s': round(vectraMs / 1000, 2),
      'query p50 ms': round(p50, 3),
      'vector recall@10': hybrid ? '-' : round(recallAtK(truth, found), 4),
      ...speedUps(p50, hybrid),
      'index file MB': vectraIndexMb,
    });
  }
  results.peers = { passages: vectors.length, rows };
  printTable(`5. Peers on the same ${vectors.length} passages and vectors (query time excludes embedding)`, rows);
}

/**
 * 2c. A large index: `LARGE` passages (the corpus's texts recycled, realistic vectors), written
 * through the store as `index` would. Measures how soon `serve` answers after it starts (model
 * load, graph load and warm-up included), HTTP latency there, newsq's in-process retrieval, and
 * Orama's hybrid search on the same texts and vectors.
 */
async function benchLargeIndex(real: Float32Array[], queryVectors: Float32Array[], size: number): Promise<void> {
  const dir = join(work, 'large');
  const texts = corpusTexts();
  const vectors = realisticVectors(real, size);
  const buildMs = await time(async () => {
    const store = openSqliteStore({ dir, identity: identity(), hnsw: config.hnsw, owner: true, titleWeight: config.search.titleWeight })!;
    await writeLarge(store, texts, vectors);
    await store.close();
  });
  const server = await startServer(dir);
  const firstMs = await time(() => fetch(`${server.url}/search?q=${encodeURIComponent(questions[0])}`).then((r) => r.text()));
  const r = await ask(server.url, questions.slice(1, 301), 1);
  const writes = await writeThroughApi(server.url, questions.slice(301, 311));
  const coverage = await coverageSideBySide(server.url, questions.slice(HTTP_QUESTIONS));
  await server.stop();

  const engine = await createEngine({ ...config, indexDir: dir }, { writable: false, embedder });
  await engine.search({ query: 'warm up' });
  const retrieval: number[] = [];
  for (const query of queries) {
    const timings: Record<string, number> = {};
    await engine.search({ query, k: 10, timings });
    retrieval.push(RETRIEVAL_STAGES.reduce((sum, stage) => sum + (timings[stage] ?? 0), 0));
  }
  await engine.close();

  // Orama on the same texts and vectors, hybrid as in section 5; fewer queries, it is slow here.
  const orama = create({ schema: { text: 'string', embedding: `vector[${vectors[0].length}]` } as const });
  const oramaBuildMs = await time(() => insertMultiple(orama, vectors.map((v, i) => ({ id: String(i), text: largeText(texts, i), embedding: Array.from(v) })), 1000));
  const oramaLatencies: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await search(orama, { mode: 'hybrid', term: queries[i], vector: { value: Array.from(queryVectors[i]), property: 'embedding' }, similarity: 0.1, limit: 10 } as never);
    oramaLatencies.push(performance.now() - started);
  }
  const row = {
    passages: size,
    'build s': round(buildMs / 1000, 1),
    'serve ready s': round(server.readyMs / 1000, 2),
    'first answer ms': round(firstMs, 1),
    'HTTP p50 ms': r.latency.p50,
    'HTTP p99 ms': r.latency.p99,
    'newsq retrieval p50 ms': round(median(retrieval), 2),
    'Orama hybrid p50 ms': round(median(oramaLatencies), 1),
    'Orama / newsq': round(median(oramaLatencies) / median(retrieval), 1),
    'Orama insert s': round(oramaBuildMs / 1000, 1),
    'API write p50 ms': round(median(writes.write), 1),
    'search after a write p50 ms': round(median(writes.searchAfter), 1),
  };
  results.large = { ...row, coverage };
  printTable(`2c. A ${size}-passage index: serve start-up (model and graph loaded, warmed), latency, and Orama hybrid on the same data`, [row]);
  printTable(`2d. Coverage counts at ${size} passages (timeline=auto&outlets=true) against a plain search, questions alternating, one client`, [coverage]);
}

/**
 * 6. PostgreSQL (a real server on this machine, test/helpers/start-postgres.ts): `index` with one worker and
 * with two, each on one thread, pinned each to its own core and not, on the bench corpus and a larger job; a replica's sequential HTTP latency against the SQLite engine's at
 * the bench corpus and at LARGE passages, questions alternating between the two; a new replica at
 * LARGE (start to answering, memory); a write through one replica found by a second.
 */
async function benchPostgres(real: Float32Array[]): Promise<void> {
  const { startPostgres } = await import('../test/helpers/start-postgres.js');
  const server = await startPostgres();
  try {
    // Each worker on one thread; pinned, each also held to its own core (taskset), so that the
    // database's and the garbage collector's work does not borrow the other worker's core.
    const pinnable = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
    // The bench corpus, and a job of WORKER_DOCS documents, where the seconds a job costs once
    // (start, model, the graph built at the end) weigh less, as they do on an archive.
    const jobs = [
      { name: 'bench corpus', articles },
      ...(existsSync(SCIFACT) && WORKER_DOCS > articles.length ? [{ name: `SciFact, first ${WORKER_DOCS}`, articles: sciFactArticles(WORKER_DOCS) }] : []),
    ].map((job, i) => {
      const path = join(work, `job-${i}.jsonl`);
      writeFileSync(path, job.articles.map((article) => JSON.stringify(article)).join('\n'));
      return { name: job.name, path };
    });
    const big = jobs[jobs.length - 1];
    // Into a fresh database each; one worker, then two, alternating. The first run is the
    // bench corpus by one worker: the database the replica below serves.
    const plan = [
      ...[1, 2].map((workers) => ({ job: jobs[0], workers, pinned: pinnable })),
      ...[1, 2, 1, 2].map((workers) => ({ job: big, workers, pinned: pinnable })),
      ...(pinnable ? [1, 2].map((workers) => ({ job: big, workers, pinned: false })) : []),
    ];
    const runsOf = new Map<string, { job: string; workers: number; pinned: boolean; passages: number; ms: number[] }>();
    let small = '';
    for (const [run, { job, workers, pinned }] of plan.entries()) {
      const url = await server.database(`bench-${run}`);
      small ||= url;
      let passages = 0;
      const ms = await time(() =>
        Promise.all(
          Array.from({ length: workers }, async (_, i) => {
            const output = await newsqOutput(['index', job.path, '--threads', '1', '--json'], { NEWSQ_DATABASE_URL: url }, pinned ? i : undefined);
            passages += (JSON.parse(output) as { embedded: number }).embedded;
          }),
        ),
      );
      const key = `${job.name} ${workers} ${pinned}`;
      if (!runsOf.has(key)) runsOf.set(key, { job: job.name, workers, pinned, passages, ms: [] });
      runsOf.get(key)!.ms.push(ms);
    }
    const indexing = [...runsOf.values()].map(({ job, workers, pinned, passages, ms }) => ({
      job,
      workers,
      'own core each': pinned ? 'yes (taskset)' : 'no',
      passages,
      'best s': round(Math.min(...ms) / 1000, 1),
      'passages/s': round((passages / Math.min(...ms)) * 1000, 1),
      'runs s': ms.map((one) => round(one / 1000, 1)).join(', '),
    }));
    const speedupOf = (job: string, pinned: boolean): number | undefined => {
      const [one, two] = [1, 2].map((workers) => runsOf.get(`${job} ${workers} ${pinned}`)?.ms);
      return one && two ? round(Math.min(...one) / Math.min(...two), 2) : undefined;
    };
    const speedup = speedupOf(big.name, pinnable) ?? 0;
    const others = [
      big !== jobs[0] ? `${speedupOf(jobs[0].name, pinnable)}x on the bench corpus` : null,
      pinnable ? `${speedupOf(big.name, false)}x without pinning` : 'taskset unavailable: not pinned',
    ].filter(Boolean);
    printTable(`6a. PostgreSQL: index with one worker and with two (each one thread), into a fresh database: two reach ${speedup}x one on ${big.name} (${others.join('; ')})`, indexing);

    const env = (url: string) => ({ NEWSQ_DATABASE_URL: url });
    const latency: Record<string, string | number>[] = [];
    const sqliteSmall = await startServer(config.indexDir);
    const pgSmall = await startServer(config.indexDir, env(small));
    latency.push({ passages: Number(indexing[0].passages), ...(await sideBySide(sqliteSmall.url, pgSmall.url, questions.slice(0, 300))) });
    const concurrent = [];
    for (const [label, url, slice] of [['SQLite', sqliteSmall.url, questions.slice(600, 1000)], ['PostgreSQL', pgSmall.url, questions.slice(1000, 1400)]] as const) {
      const r = await ask(url, [...slice], 8);
      concurrent.push({ store: label, clients: 8, requests: r.requests.total, 'p50 ms': r.latency.p50, QPS: round(r.requests.total / r.duration, 1), non2xx: r.non2xx });
    }
    const visible = await writeVisibility(pgSmall.url, (await startServer(config.indexDir, env(small))), 50);
    await sqliteSmall.stop();
    await pgSmall.stop();

    const largeDir = join(work, 'large');
    const texts = corpusTexts();
    const vectors = realisticVectors(real, LARGE);
    if (!existsSync(largeDir)) {
      const store = openSqliteStore({ dir: largeDir, identity: identity(), hnsw: config.hnsw, owner: true, titleWeight: config.search.titleWeight })!;
      await writeLarge(store, texts, vectors);
      await store.close();
    }
    const largeUrl = await server.database('bench-large');
    const pgStoreConfig = { ...config, store: { kind: 'postgres' as const, url: largeUrl, claimSeconds: 30, claimPassages: 256 } };
    const buildMs = await time(async () => {
      const store = (await openStore(pgStoreConfig, { identity: identity(), owner: true }))!;
      await writeLarge(store, texts, vectors);
      await store.close();
    });
    const sqliteLarge = await startServer(largeDir);
    const pgLarge = await startServer(config.indexDir, env(largeUrl));
    const firstMs = await time(() => fetch(`${pgLarge.url}/search?q=${encodeURIComponent(questions[1000])}`).then((r) => r.text()));
    latency.push({ passages: LARGE, ...(await sideBySide(sqliteLarge.url, pgLarge.url, questions.slice(300, 600))) });
    const rssMb = residentMb(pgLarge.pid);
    await sqliteLarge.stop();
    await pgLarge.stop();
    printTable('6b. Sequential HTTP /search, SQLite engine and PostgreSQL replica side by side (each question to one, then the other)', latency);
    printTable('6b. Eight clients at once, new questions, at the bench corpus: one SQLite serve, then one PostgreSQL replica', concurrent);
    const replica = { passages: LARGE, 'build (write + graph saved) s': round(buildMs / 1000, 1), 'start to answering s': round((pgLarge.readyMs + firstMs) / 1000, 2), 'resident MB': rssMb };
    printTable('6c. A new PostgreSQL replica at the large index: from process start to its first answer (model, saved graph and statistics loaded)', [replica]);
    printTable('6d. A write through one replica (POST /articles), found by a dense search on a second: ms from the 200 to found', [visible]);
    results.postgres = { indexing, speedup, latency, concurrent, replica, visible };
  } finally {
    await server.stop();
  }
}

/** Runs newsq to completion, on core `cpu` alone when given; resolves with its standard output. */
function newsqOutput(args: string[], env: Record<string, string>, cpu?: number): Promise<string> {
  const command = [process.execPath, join(ROOT, 'bin', 'newsq.js'), ...args];
  if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu));
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`newsq ${args.join(' ')} exited ${code}`))));
  });
}

/** Each question to `first`, then to `second`, one at a time: p50 of each, and their ratio. */
async function sideBySide(first: string, second: string, asked: string[]): Promise<Record<string, number>> {
  const a: number[] = [];
  const b: number[] = [];
  for (const question of asked) {
    a.push(...(await askInTurn(first, [question])));
    b.push(...(await askInTurn(second, [question])));
  }
  return { 'SQLite p50 ms': round(median(a), 2), 'PostgreSQL p50 ms': round(median(b), 2), 'PostgreSQL / SQLite': round(median(b) / median(a), 2), 'PostgreSQL p99 ms': round(percentile(b, 99), 2) };
}

/** `count` writes through `writer`; for each, the ms from its answer until `reader` finds it. */
async function writeVisibility(writer: string, reader: { url: string; stop: () => Promise<void> }, count: number): Promise<Record<string, number>> {
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const text = `Bench write ${i}: ${questions[(i * 37) % questions.length]} (a new report).`;
    const response = await fetch(`${writer}/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `bench/visible/${i}`, text }) });
    if (!response.ok) throw new Error(`POST /articles answered ${response.status}`);
    const written = performance.now();
    for (;;) {
      const found = (await (await fetch(`${reader.url}/search?q=${encodeURIComponent(text)}&k=1&mode=dense`)).json()) as { results: { article: { id: string } }[] };
      if (found.results[0]?.article.id === `bench/visible/${i}`) break;
      if (performance.now() - written > 10_000) throw new Error(`write ${i} not found on the second replica after 10 s`);
    }
    waits.push(performance.now() - written);
  }
  await reader.stop();
  return { writes: count, 'p50 ms': round(median(waits), 1), 'p99 ms': round(percentile(waits, 99), 1), 'max ms': round(Math.max(...waits), 1) };
}

/** A process's resident memory, from /proc. */
function residentMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

/** The passage texts of the bench's index, in id order. */
function corpusTexts(): string[] {
  const db = new Database(join(config.indexDir, 'newsq.sqlite'), { readonly: true });
  const texts = db.prepare<[], { text: string }>('SELECT text FROM passages ORDER BY id').all().map((r) => r.text);
  db.close();
  return texts;
}

function identity() {
  return { formatVersion: FORMAT_VERSION, model: embedder.model, encoder: embedder.encoder, dtype: embedder.dtype, dimensions: embedder.dimensions, chunkerVersion: CHUNKER_VERSION };
}

/** Writes the large index (articles of ten passages, texts from `largeText`) into a store, and saves it. */
async function writeLarge(store: Store, texts: string[], vectors: Float32Array[]): Promise<void> {
  const writer = await store.writer();
  const perArticle = 10;
  for (let first = 0; first < vectors.length; first += 1000) {
    const writes = [];
    for (let a = first; a < Math.min(vectors.length, first + 1000); a += perArticle) {
      const ids = Array.from({ length: Math.min(perArticle, vectors.length - a) }, (_, j) => a + j);
      const paragraphs = ids.map((i) => largeText(texts, i));
      writes.push({
        article: { id: `large/${a}`, title: `Article ${a}`, ...benchFacts(a / perArticle), path: null, url: null, paragraphs },
        hash: String(a),
        origin: 'bench',
        passages: ids.map((i, j) => ({
          draft: { paragraph: j, window: 0, text: paragraphs[j], sentences: [{ start: 0, end: paragraphs[j].length }] },
          vector: vectors[i],
          sentenceVectors: [],
          terms: passageTerms(paragraphs[j], `Article ${a}`),
        })),
      });
    }
    await writer.writeArticles(writes);
  }
  await writer.close();
}

/**
 * Adds one short article at a time through `POST /articles` (its passages embedded by the server),
 * then asks a question: the time of each write, and of the first search after it (which catches
 * the server's graph and statistics up with the write).
 */
async function writeThroughApi(url: string, questions: string[]): Promise<{ write: number[]; searchAfter: number[] }> {
  const write: number[] = [];
  const searchAfter: number[] = [];
  for (const [i, question] of questions.entries()) {
    const body = JSON.stringify({ id: `bench/api/${i}`, title: `Bench article ${i}`, text: `${question}\n\nA second paragraph of article ${i}, about the same question.` });
    write.push(
      await time(async () => {
        const response = await fetch(`${url}/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!response.ok) throw new Error(`POST /articles answered ${response.status}: ${await response.text()}`);
      }),
    );
    searchAfter.push(await time(() => fetch(`${url}/search?q=${encodeURIComponent(question)}&k=10`).then((r) => r.text())));
  }
  return { write, searchAfter };
}

/** The i-th text of the large index: a corpus passage plus the opening of another, so no two are copies. */
function largeText(texts: string[], i: number): string {
  return `${texts[i % texts.length]} ${texts[(i * 7919 + Math.floor(i / texts.length)) % texts.length].split('. ')[0]}.`;
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
    await index.save(file);
    const rssBefore = process.memoryUsage().rss;
    let loaded!: VectorIndex;
    const loadMs = await time(async () => void (loaded = await VectorIndex.load(file, vectors[0].length, config.hnsw, size)));
    const rssLoaded = process.memoryUsage().rss - rssBefore;
    const { found, latencies } = timedSearches(loaded, probes);
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
