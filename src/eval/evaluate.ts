import type { Engine } from '../engine.js';
import type { SearchMode } from '../search/modes.js';
import { meanScores, rankDocuments, scoreRanking, type Judgments, type QueryScores } from './metrics.js';

/** A judged query of a test collection. */
export interface EvalQuery {
  id: string;
  text: string;
  judgments: Judgments;
}

export interface ModeScores extends QueryScores {
  mode: SearchMode;
  queries: number;
}

/**
 * Runs every judged query in each mode and scores the document ranking (documents ordered by
 * their best passage), averaged over queries, with metrics cut at `k`.
 */
export async function evaluate(engine: Engine, queries: EvalQuery[], modes: SearchMode[], k: number): Promise<ModeScores[]> {
  const results: ModeScores[] = [];
  for (const mode of modes) {
    const scores: QueryScores[] = [];
    for (const query of queries) {
      const ranked = await engine.rank(query.text, mode);
      scores.push(scoreRanking(rankDocuments(ranked.map((r) => r.passage.article.id)), query.judgments, k));
    }
    results.push({ mode, queries: queries.length, ...meanScores(scores) });
  }
  return results;
}
