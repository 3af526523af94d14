import { readFileSync } from 'node:fs';
import { resolveConfig } from '../src/config.js';
import { createEngine, loadEmbedder } from '../src/engine.js';
const config = resolveConfig(process.env, { indexDir: process.env.IDX ?? '/tmp/eval/scifact' } as any);
const engine = await createEngine(config, { writable: false, embedder: await loadEmbedder(config, { threaded: process.env.THREADED === '1' }) });
const queries = readFileSync('../shared/eval/scifact/queries.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string).slice(0, 300);
await engine.search({ query: 'warm up' });
for (let round = 0; round < 2; round++) {
  const stages: Record<string, number[]> = {};
  const totals: number[] = [];
  for (const query of queries) {
    const timings: Record<string, number> = {};
    const t = performance.now();
    await engine.search({ query, k: 10, timings });
    totals.push(performance.now() - t);
    for (const [s, ms] of Object.entries(timings)) (stages[s] ??= []).push(ms);
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(Object.entries(stages).map(([s, v]) => `${s} ${med(v).toFixed(3)}`).join('  '), ' total', med(totals).toFixed(3));
}
engine.close();
