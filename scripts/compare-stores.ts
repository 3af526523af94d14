/**
 * Same answers on either store: indexes each test collection in ../shared/eval into SQLite and
 * into PostgreSQL (a real server, test/helpers/start-postgres.ts), runs every judged query in
 * each mode on both, and prints how many queries get the same ten passages in the same order, and
 * nDCG@10 on each. Both embed with the same model, whose vectors do not depend on the batch.
 *
 *   npx tsx scripts/compare-stores.ts [collection ...]     (default: every collection there)
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJudgedQueries } from '../src/cli/commands/eval.js';
import { resolveConfig, type Config } from '../src/config.js';
import { createEngine, loadEmbedder, type Engine } from '../src/engine.js';
import { meanScores, rankDocuments, scoreRanking } from '../src/eval/metrics.js';
import { readSources } from '../src/read-sources.js';
import { SEARCH_MODES } from '../src/search/modes.js';
import { startPostgres } from '../test/helpers/start-postgres.js';

const EVAL = join(import.meta.dirname, '..', '..', 'shared', 'eval');
if (!existsSync(EVAL)) {
  console.log(`skipped: no test collections at ${EVAL}`);
  process.exit(0);
}
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : readdirSync(EVAL).filter((name) => existsSync(join(EVAL, name, 'qrels.tsv')));
const work = mkdtempSync(join(tmpdir(), 'newsq-compare-'));
const server = await startPostgres();
const base = resolveConfig({}, {});
const embedder = await loadEmbedder(base);

/** An engine over the collection's index in `config`'s store, built first. */
async function indexed(config: Config, corpus: string): Promise<Engine> {
  const writer = await createEngine(config, { writable: true, embedder });
  await writer.sync(readSources([corpus]));
  await writer.close();
  return createEngine(config, { writable: false, embedder });
}

const rows: Record<string, string | number>[] = [];
try {
  for (const name of names) {
    const dir = join(EVAL, name);
    const corpus = join(dir, 'corpus.jsonl');
    const queries = readJudgedQueries(dir);
    const sqlite = await indexed({ ...base, indexDir: join(work, name) }, corpus);
    const postgres = await indexed({ ...base, store: { kind: 'postgres', url: await server.database(name), claimSeconds: 30, claimPassages: 256 } }, corpus);
    for (const mode of SEARCH_MODES) {
      let same = 0;
      const scores = { sqlite: [] as ReturnType<typeof scoreRanking>[], postgres: [] as ReturnType<typeof scoreRanking>[] };
      for (const query of queries) {
        const [a, b] = [await sqlite.rank(query.text, mode), await postgres.rank(query.text, mode)];
        const top = (ranked: typeof a) => ranked.slice(0, 10).map((r) => `${r.passage.article.id}#${r.passage.paragraph}/${r.passage.window}`).join(' ');
        if (top(a) === top(b)) same++;
        scores.sqlite.push(scoreRanking(rankDocuments(a.map((r) => r.passage.article.id)), query.judgments, 10));
        scores.postgres.push(scoreRanking(rankDocuments(b.map((r) => r.passage.article.id)), query.judgments, 10));
      }
      const [ndcgA, ndcgB] = [meanScores(scores.sqlite).ndcg, meanScores(scores.postgres).ndcg];
      const row = { collection: name, mode, queries: queries.length, 'same top 10': `${((same / queries.length) * 100).toFixed(1)}%`, 'nDCG@10 SQLite': ndcgA.toFixed(4), 'nDCG@10 PostgreSQL': ndcgB.toFixed(4), difference: Math.abs(ndcgA - ndcgB).toFixed(4) };
      rows.push(row);
      console.log(Object.values(row).join('\t'));
    }
    await sqlite.close();
    await postgres.close();
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${Object.keys(rows[0] ?? {}).join('\t')}`);
for (const row of rows) console.log(Object.values(row).join('\t'));
