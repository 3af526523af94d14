import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../engine.js';
import { NewsqError } from '../../errors.js';
import { evaluate, type EvalQuery } from '../../eval/evaluate.js';
import { isSearchMode, SEARCH_MODES, type SearchMode } from '../../search/modes.js';
import { COMMON_OPTIONS, integerFlag, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';
import { indexFolders } from './index-articles.js';

export const evalSpec: CommandSpec = {
  usage: `Usage: newsq eval <collection-dir> [--k 10] [--mode ${SEARCH_MODES.join('|')}|all] [--index-dir DIR] [--json]

Measures retrieval quality on a BEIR-style collection (corpus.jsonl, queries.jsonl, qrels.tsv):
indexes the corpus, runs every judged query, ranks documents by their best passage, and prints
nDCG@k, Recall@k and MRR@k. Without --index-dir the index is built in a temporary folder and
removed; with it, the index is kept and later runs only embed what changed.`,
  options: { ...COMMON_OPTIONS, k: { type: 'string' }, mode: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
};

export async function runEval(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(evalSpec, argv);
  if (values.help) return help(context, evalSpec);
  const k = integerFlag(values.k, 'k', evalSpec.usage) ?? 10;
  const mode = (values.mode as string | undefined) ?? 'all';
  if (mode !== 'all' && !isSearchMode(mode)) throw new UsageError(`--mode must be one of ${SEARCH_MODES.join(', ')} or all`, evalSpec.usage);
  const modes: SearchMode[] = mode === 'all' ? [...SEARCH_MODES] : [mode as SearchMode];

  const dir = positionals[0];
  const queries = readJudgedQueries(dir);
  const temporary = values['index-dir'] ? null : mkdtempSync(join(tmpdir(), 'newsq-eval-'));
  const config = configFrom(context, { ...values, 'index-dir': (values['index-dir'] as string | undefined) ?? temporary! }, {}, evalSpec.usage);
  try {
    const summary = await indexFolders([join(dir, 'corpus.jsonl')], config, context, { rebuild: false, quiet: Boolean(values.json) });
    const engine = await createEngine(config, { writable: false });
    try {
      const scores = await evaluate(engine, queries, modes, k);
      const report = { collection: dir, k, documents: summary.articles, passages: (await engine.stats()).passages, queries: queries.length, scores };
      if (values.json) context.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        context.stdout.write(`${dir}: ${report.documents} documents, ${report.passages} passages, ${report.queries} judged queries\n`);
        context.stdout.write(`mode     nDCG@${k}  Recall@${k}  MRR@${k}\n`);
        for (const s of scores) context.stdout.write(`${s.mode.padEnd(8)} ${s.ndcg.toFixed(4)}   ${s.recall.toFixed(4)}     ${s.mrr.toFixed(4)}\n`);
      }
    } finally {
      await engine.close();
    }
  } finally {
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
  return 0;
}

/** Reads queries.jsonl and qrels.tsv, keeping only queries that have judgments (the BEIR convention). */
export function readJudgedQueries(dir: string): EvalQuery[] {
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      throw new NewsqError('unreadable_input', `cannot read ${join(dir, file)}: a collection folder holds corpus.jsonl, queries.jsonl and qrels.tsv`);
    }
  };
  const judgments = new Map<string, Map<string, number>>();
  for (const line of read('qrels.tsv').split('\n').slice(1)) {
    const [queryId, documentId, grade] = line.split('\t');
    if (!queryId || !documentId) continue;
    if (!judgments.has(queryId)) judgments.set(queryId, new Map());
    judgments.get(queryId)!.set(documentId, Number(grade));
  }
  const queries: EvalQuery[] = [];
  for (const line of read('queries.jsonl').split('\n')) {
    if (!line.trim()) continue;
    const { _id, text } = JSON.parse(line) as { _id: string; text: string };
    const judged = judgments.get(String(_id));
    if (judged) queries.push({ id: String(_id), text, judgments: judged });
  }
  return queries;
}
