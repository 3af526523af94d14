import { stemmer } from 'stemmer';

// Words too common to say anything about relevance: a question's words are looked up without
// them, and passages keep no postings for them (they still count in a passage's length).
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can
  could did do does doing down during each few for from further had has have having he her here hers herself him himself his how
  i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out
  over own same she should so some such than that the their theirs them themselves then there these they this those through to
  too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves`.split(/\s+/),
);
// Stemming is for words of the English-like alphabet; longer tokens (codes, hashes) pass as they are.
const MAX_STEMMED_LENGTH = 64;

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The words of a text as lexical search sees them: runs of letters and digits, lower case, with
 * diacritics removed (café is cafe). Nothing is query syntax.
 */
function tokens(text: string): string[] {
  // ASCII text is its own NFKD form, with no marks to remove: most passages skip both passes.
  const plain = NON_ASCII.test(text) ? text.normalize('NFKD').replace(/\p{M}+/gu, '') : text;
  return plain.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

// Stems of words met lately: a language's common words come back in every passage.
const STEM_CACHE_SIZE = 100_000;
const stems = new Map<string, string>();

/** A word's term: its Porter stem (talks, talking: talk). */
function termOf(word: string): string {
  if (word.length > MAX_STEMMED_LENGTH) return word;
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stem = stemmer(word);
    stems.set(word, stem);
  }
  return stem;
}

/** How often each term occurs in a passage's text and its article's title. */
export interface TermCount {
  term: string;
  inText: number;
  inTitle: number;
}

/** A passage's terms for the lexical index, and its length in words (stop words included). */
export interface PassageTerms {
  terms: TermCount[];
  length: number;
}

/**
 * Analyzes a passage's text with its article's title, whose words count for every passage of the
 * article. The one analysis passages (when indexed) and questions ({@link queryTerms}) go through.
 */
export function passageTerms(text: string, title: string | null): PassageTerms {
  const inText = tokens(text);
  const inTitle = title ? tokens(title) : [];
  // Words first (a word comes back often), then their terms (several words may share one).
  const words = new Map<string, [inText: number, inTitle: number]>();
  const count = (list: string[], field: 0 | 1) => {
    for (const word of list) {
      const entry = words.get(word);
      if (entry) entry[field]++;
      else words.set(word, field === 0 ? [1, 0] : [0, 1]);
    }
  };
  count(inText, 0);
  count(inTitle, 1);
  const terms = new Map<string, TermCount>();
  for (const [word, [text, titled]] of words) {
    if (STOP_WORDS.has(word)) continue;
    const term = termOf(word);
    const entry = terms.get(term);
    if (entry) {
      entry.inText += text;
      entry.inTitle += titled;
    } else terms.set(term, { term, inText: text, inTitle: titled });
  }
  return { terms: [...terms.values()], length: inText.length + inTitle.length };
}

/** A term of a question and how many of its distinct words it stands for ("retrieval", "retrieve"). */
export interface QueryTerm {
  term: string;
  count: number;
}

/**
 * The terms a question looks for: the terms of its distinct words, stop words left out (kept
 * when it has no other word, though passages hold no postings for them).
 */
export function queryTerms(question: string): QueryTerm[] {
  const distinct = [...new Set(tokens(question))];
  const content = distinct.filter((word) => !STOP_WORDS.has(word));
  const counts = new Map<string, number>();
  for (const word of content.length > 0 ? content : distinct) {
    const term = termOf(word);
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return [...counts].map(([term, count]) => ({ term, count }));
}
