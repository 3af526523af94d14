/**
 * How newsq's matching set was chosen (docs/quality.md, "The matching set"): for each mode and
 * each cutoff ratio, the articles whose best passage scores at least that share of the best
 * candidate's, compared with the judged relevant documents of each collection (mean F1, precision,
 * recall and matching-set size over its judged queries). Indexes come from `newsq eval --index-dir`.
 *
 *   npx tsx scripts/match-cutoff.ts <collection-dir>=<index-dir> ...
 */
import { readJudgedQueries } from '../src/cli/commands/eval.js';
import { resolveConfig } from '../src/config.js';
import { createEngine, loadEmbedder } from '../src/engine.js';
import { MATCH_RATIO, matchFloor } from '../src/search/coverage.js';
import { SEARCH_MODES, type SearchMode } from '../src/search/modes.js';

const RATIOS = Array.from({ length: 11 }, (_, i) => Math.round((0.4 + i * 0.05) * 100) / 100);

interface Agreement {
  f1: number;
  precision: number;
  recall: number;
  size: number;
}

/** Each query's candidates as (document, score), best first, per mode. */
type Rankings = Map<SearchMode, { relevant: Set<string>; ranked: { id: string; score: number }[] }[]>;

async function rankings(dir: string, indexDir: string, embedder: Awaited<ReturnType<typeof loadEmbedder>>): Promise<Rankings> {
  const engine = await createEngine({ ...base, indexDir }, { writable: false, embedder });
  const byMode: Rankings = new Map();
  const queries = readJudgedQueries(dir);
  for (const mode of SEARCH_MODES) {
    const rows = [];
    for (const query of queries) {
      const ranked = (await engine.rank(query.text, mode)).map((r) => ({ id: r.passage.article.id, score: r.score }));
      rows.push({ relevant: new Set([...query.judgments].filter(([, grade]) => grade > 0).map(([id]) => id)), ranked });
    }
    byMode.set(mode, rows);
  }
  await engine.close();
  return byMode;
}

function agreement(rows: { relevant: Set<string>; ranked: { id: string; score: number }[] }[], ratio: number): Agreement {
  const sum = { f1: 0, precision: 0, recall: 0, size: 0 };
  for (const { relevant, ranked } of rows) {
    const floor = matchFloor(ranked, ratio);
    const matching = new Set(ranked.filter((r) => r.score >= floor).map((r) => r.id));
    const found = [...matching].filter((id) => relevant.has(id)).length;
    const precision = matching.size ? found / matching.size : 0;
    const recall = found / relevant.size;
    sum.f1 += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    sum.precision += precision;
    sum.recall += recall;
    sum.size += matching.size;
  }
  const n = rows.length;
  return { f1: sum.f1 / n, precision: sum.precision / n, recall: sum.recall / n, size: sum.size / n };
}

const base = resolveConfig(process.env, {});
const embedder = await loadEmbedder(base);
const collections = new Map<string, Rankings>();
for (const [dir, indexDir] of process.argv.slice(2).map((arg) => arg.split('='))) {
  collections.set(dir.split('/').filter(Boolean).pop()!, await rankings(dir, indexDir, embedder));
}
const names = [...collections.keys()];
console.log(['mode'.padEnd(8), 'ratio', ...names.map((n) => `${n} F1 / P / R / articles`.padEnd(30)), 'mean F1'].join(' '));
for (const mode of SEARCH_MODES) {
  for (const ratio of RATIOS) {
    const cells = names.map((name) => agreement(collections.get(name)!.get(mode)!, ratio));
    const mean = cells.reduce((total, c) => total + c.f1, 0) / cells.length;
    const mark = ratio === MATCH_RATIO ? ' <- newsq' : '';
    console.log(
      [mode.padEnd(8), ratio.toFixed(2).padEnd(5), ...cells.map((c) => `${c.f1.toFixed(3)} / ${c.precision.toFixed(2)} / ${c.recall.toFixed(2)} / ${c.size.toFixed(0)}`.padEnd(30)), `${mean.toFixed(3)}${mark}`].join(' '),
    );
  }
}
