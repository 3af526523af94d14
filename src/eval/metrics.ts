/** Graded relevance judgments of one query: document id → grade (> 0 is relevant). */
export type Judgments = Map<string, number>;

export interface QueryScores {
  ndcg: number;
  recall: number;
  mrr: number;
}

/**
 * nDCG@k, Recall@k and MRR@k of one ranking, as trec_eval defines them: linear gains and a
 * log2(rank + 1) discount for nDCG; any grade above 0 counts as relevant for recall and MRR.
 */
export function scoreRanking(ranking: string[], judgments: Judgments, k: number): QueryScores {
  const top = ranking.slice(0, k);
  const gains = top.map((id) => judgments.get(id) ?? 0);
  const dcg = gains.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
  const ideal = [...judgments.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
  const relevant = [...judgments.values()].filter((grade) => grade > 0).length;
  const found = gains.filter((gain) => gain > 0).length;
  const first = gains.findIndex((gain) => gain > 0);
  return {
    ndcg: ideal > 0 ? dcg / ideal : 0,
    recall: relevant > 0 ? found / relevant : 0,
    mrr: first >= 0 ? 1 / (first + 1) : 0,
  };
}

/** The mean of each metric over queries. */
export function meanScores(scores: QueryScores[]): QueryScores {
  const mean = (key: keyof QueryScores) => (scores.length ? scores.reduce((sum, s) => sum + s[key], 0) / scores.length : 0);
  return { ndcg: mean('ndcg'), recall: mean('recall'), mrr: mean('mrr') };
}

/** Document ids in the order of their best passage, each once. */
export function rankDocuments(passageArticleIds: string[]): string[] {
  return [...new Set(passageArticleIds)];
}
