// Words too common to say anything about relevance; BM25 would weigh them near zero anyway, but
// matching them makes every passage a candidate.
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can
  could did do does doing down during each few for from further had has have having he her here hers herself him himself his how
  i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out
  over own same she should so some such than that the their theirs them themselves then there these they this those through to
  too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves`.split(/\s+/),
);

/**
 * The distinct words of a question that lexical search looks for: its non-stop words, else all
 * (none when it has no searchable word). Each is looked up as a plain term, so `"`, `-`, `*`, `:`,
 * parentheses, AND, OR and NEAR are never query syntax.
 */
export function queryTerms(question: string): string[] {
  // Runs of letters and digits: FTS5's unicode61 tokenizer splits no further, so each is one term.
  const terms = [...new Set(question.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = terms.filter((term) => !STOP_WORDS.has(term));
  return content.length > 0 ? content : terms;
}
