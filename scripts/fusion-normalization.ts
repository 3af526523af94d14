/**
 * Compares ways to normalize the dense and BM25 scores before score fusion, on the candidates newsq
 * retrieves (100 by vector, 100 by BM25), over test collections whose indexes `newsq eval
 * --index-dir` built: prints nDCG@10 per collection and the mean (README, Quality).
 *
 *   npx tsx scripts/fusion-normalization.ts <collection-dir>=<index-dir> ...
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/config.js';
import { loadEmbedder } from '../src/engine.js';
import { dot } from '../src/vector-math.js';
import { queryTerms } from '../src/ingest/analyze.js';
import { openStore } from '../src/store/open-store.js';
import { meanScores, rankDocuments, scoreRanking } from '../src/eval/metrics.js';
const base = resolveConfig(process.env, {});
const embedder = await loadEmbedder(base);
type C = { id: number; d: number; l: number; doc: string };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => { const m = mean(v); return Math.sqrt(mean(v.map((x) => (x - m) ** 2))) || 1; };
const minmax = (v: number[]) => { const lo = Math.min(...v), r = Math.max(...v) - lo; return (x: number) => (r > 0 ? (x - lo) / r : 0); };
const z = (v: number[]) => { const m = mean(v), s = sd(v); return (x: number) => (x - m) / s; };
const dbsf = (v: number[]) => { const m = mean(v), s = sd(v); const lo = m - 3 * s, hi = m + 3 * s; return (x: number) => Math.min(1, Math.max(0, (x - lo) / (hi - lo))); };
const variants: Record<string, (cs: C[]) => Map<number, number>> = {};
for (const w of [0.5, 0.65]) {
  variants[`minmax w=${w}`] = (cs) => { const D = minmax(cs.map((c) => c.d)), L = minmax(cs.map((c) => c.l)); return new Map(cs.map((c) => [c.id, w * D(c.d) + (1 - w) * L(c.l)])); };
  variants[`z w=${w}`] = (cs) => { const D = z(cs.map((c) => c.d)), L = z(cs.map((c) => c.l)); return new Map(cs.map((c) => [c.id, w * D(c.d) + (1 - w) * L(c.l)])); };
  variants[`dbsf w=${w}`] = (cs) => { const D = dbsf(cs.map((c) => c.d)), L = dbsf(cs.map((c) => c.l)); return new Map(cs.map((c) => [c.id, w * D(c.d) + (1 - w) * L(c.l)])); };
  variants[`z-matched w=${w}`] = (cs) => { const lx = cs.filter((c) => c.l > 0).map((c) => c.l); const D = z(cs.map((c) => c.d)), L = lx.length ? z(lx) : () => 0; const Lmin = lx.length ? Math.min(...lx.map(L)) : 0; return new Map(cs.map((c) => [c.id, w * D(c.d) + (1 - w) * (c.l > 0 ? L(c.l) : Lmin)])); };
}
const rows: Record<string, Record<string, number>> = {};
for (const arg of process.argv.slice(2)) {
  const [dir, indexDir] = arg.split('=');
  const name = dir.split('/').filter(Boolean).pop()!;
  const judgments = new Map<string, Map<string, number>>();
  for (const line of readFileSync(join(dir, 'qrels.tsv'), 'utf8').split('\n').slice(1)) { const [q, d, g] = line.split('\t'); if (!q || !d) continue; if (!judgments.has(q)) judgments.set(q, new Map()); judgments.get(q)!.set(d, Number(g)); }
  const queries = readFileSync(join(dir, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((q) => judgments.has(String(q._id)));
  const store = (await openStore({ ...base, indexDir }, { identity: null, owner: false }))!;
  const { reader } = store;
  const scores: Record<string, ReturnType<typeof scoreRanking>[]> = {};
  for (const q of queries) {
    const [v] = await embedder.embed([q.text]);
    const lex = new Map((await reader.lexical(queryTerms(q.text), 100)).map((h) => [h.id, h.score]));
    const den = new Map((await reader.nearest(v, 100)).map((h) => [h.id, h.score]));
    for (const [id, pv] of await reader.vectors([...lex.keys()].filter((id) => !den.has(id)))) den.set(id, dot(v, pv));
    const ids = [...new Set([...den.keys(), ...lex.keys()])];
    const docs = new Map((await reader.passages(ids)).map((p) => [p.id, p.article.id]));
    const cs: C[] = ids.map((id) => ({ id, d: den.get(id) ?? 0, l: lex.get(id) ?? 0, doc: docs.get(id)! }));
    for (const [vn, f] of Object.entries(variants)) {
      const s = f(cs);
      const ranked = [...cs].sort((a, b) => s.get(b.id)! - s.get(a.id)!);
      (scores[vn] ??= []).push(scoreRanking(rankDocuments(ranked.map((c) => c.doc)), judgments.get(String(q._id))!, 10));
    }
  }
  rows[name] = Object.fromEntries(Object.entries(scores).map(([vn, s]) => [vn, meanScores(s).ndcg]));
  await store.close();
}
const names = Object.keys(rows);
console.log(['variant'.padEnd(18), ...names.map((n) => n.padStart(8)), '    mean'].join(' '));
for (const vn of Object.keys(variants)) { const v = names.map((n) => rows[n][vn]); console.log([vn.padEnd(18), ...v.map((x) => x.toFixed(4).padStart(8)), mean(v).toFixed(4).padStart(8)].join(' ')); }
