/**
 * Sweeps ranking settings over test collections whose indexes `newsq eval --index-dir` built, and
 * prints nDCG@10 for each setting side by side: how newsq's fusion constants were chosen.
 *
 *   npx tsx scripts/eval-sweep.ts <collection-dir>=<index-dir> ...
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, type Config } from '../src/config.js';
import { createEngine, loadEmbedder, type Engine } from '../src/engine.js';
import { meanScores, rankDocuments, scoreRanking } from '../src/eval/metrics.js';
import type { SearchMode } from '../src/search/modes.js';
import type { RankSettings } from '../src/search/rank.js';

interface Variant {
  name: string;
  mode: SearchMode;
  settings: Partial<RankSettings>;
  /** Search settings the store reads when it opens (each such variant opens its own engine). */
  search?: Partial<Config['search']>;
}

const fusion = (method: 'score' | 'rrf', denseWeight = 0.5, rrfK = 60) => ({ method, denseWeight, rrfK });
const VARIANTS: Variant[] = [
  { name: 'dense', mode: 'dense', settings: {} },
  { name: 'lexical', mode: 'lexical', settings: {} },
  ...[0.5, 0.6, 0.65, 0.7, 0.8].map((w) => ({ name: `score w=${w}`, mode: 'hybrid' as const, settings: { fusion: fusion('score', w) } })),
  ...[10, 30, 60].map((k) => ({ name: `rrf k=${k}`, mode: 'hybrid' as const, settings: { fusion: fusion('rrf', 0.5, k) } })),
  ...[30, 50, 200].map((candidates) => ({ name: `candidates=${candidates}`, mode: 'hybrid' as const, settings: { fusion: fusion('score', 0.65), candidates } })),
  ...[0, 1].flatMap((titleWeight) =>
    (['hybrid', 'lexical'] as const).map((mode) => ({ name: `${mode} title=${titleWeight}`, mode, settings: { fusion: fusion('score', 0.65) }, search: { titleWeight } })),
  ),
];

function judgedQueries(dir: string) {
  const judgments = new Map<string, Map<string, number>>();
  for (const line of readFileSync(join(dir, 'qrels.tsv'), 'utf8').split('\n').slice(1)) {
    const [q, d, g] = line.split('\t');
    if (!q || !d) continue;
    if (!judgments.has(q)) judgments.set(q, new Map());
    judgments.get(q)!.set(d, Number(g));
  }
  return readFileSync(join(dir, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { _id: string; text: string })
    .filter((q) => judgments.has(String(q._id)))
    .map((q) => ({ text: q.text, judgments: judgments.get(String(q._id))! }));
}

async function sweep(open: (search?: Partial<Config['search']>) => Promise<Engine>, dir: string): Promise<Record<string, number>> {
  const queries = judgedQueries(dir);
  const row: Record<string, number> = {};
  const standard = await open();
  for (const variant of VARIANTS) {
    const engine = variant.search ? await open(variant.search) : standard;
    const scores = [];
    for (const query of queries) {
      const ranked = await engine.rank(query.text, variant.mode, variant.settings);
      scores.push(scoreRanking(rankDocuments(ranked.map((r) => r.passage.article.id)), query.judgments, 10));
    }
    row[variant.name] = meanScores(scores).ndcg;
    if (engine !== standard) await engine.close();
  }
  await standard.close();
  return row;
}

const pairs = process.argv.slice(2).map((arg) => arg.split('='));
const base = resolveConfig(process.env, {});
const embedder = await loadEmbedder(base);
const table: Record<string, Record<string, number>> = {};
for (const [dir, indexDir] of pairs) {
  const open = (search: Partial<Config['search']> = {}) => createEngine({ ...base, indexDir, search: { ...base.search, ...search } }, { writable: false, embedder });
  table[dir.split('/').filter(Boolean).pop()!] = await sweep(open, dir);
}
const names = Object.keys(table);
console.log(['variant'.padEnd(24), ...names.map((n) => n.padStart(8)), '    mean'].join(' '));
for (const variant of VARIANTS) {
  const values = names.map((n) => table[n][variant.name]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  console.log([variant.name.padEnd(24), ...values.map((v) => v.toFixed(4).padStart(8)), mean.toFixed(4).padStart(8)].join(' '));
}
