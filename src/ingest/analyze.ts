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
  // ASCII text is its own NFKD form, with no marks to remove: most passages skip both passes, and
  // its letters and digits are [a-z0-9] once lower-cased.
  if (!NON_ASCII.test(text)) return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

// A title longer than this (in characters of its words) is not looked up whole.
const MAX_HEADLINE_LENGTH = 300;

/**
 * The term every passage of an article holds for its whole title, and a question that is that
 * title asks for: its words in order, case, punctuation and diacritics aside. No word's term can
 * be one (it has spaces, and a `#`). Null for a title with no word, or a very long one.
 */
export function headlineTerm(text: string): string | null {
  const words = tokens(text).join(' ');
  return words && words.length <= MAX_HEADLINE_LENGTH ? `#${words}` : null;
}

// Terms of words met lately (null for stop words): a language's common words come back in every passage.
const TERM_CACHE_SIZE = 100_000;
const terms = new Map<string, string | null>();

/** A word's term: its Porter stem (talks, talking: talk); null for a stop word. */
function termOf(word: string): string | null {
  let term = terms.get(word);
  if (term === undefined) {
    if (terms.size >= TERM_CACHE_SIZE) terms.clear();
    term = STOP_WORDS.has(word) ? null : word.length > MAX_STEMMED_LENGTH ? word : stemmer(word);
    terms.set(word, term);
  }
  return term;
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
 * article, as does its {@link headlineTerm}. The one analysis passages (when indexed) and
 * questions ({@link queryTerms}) go through.
 */
export function passageTerms(text: string, title: string | null): PassageTerms {
  const inText = tokens(text);
  const inTitle = title ? tokens(title) : [];
  const counts = new Map<string, TermCount>();
  const count = (words: string[], field: 'inText' | 'inTitle') => {
    for (const word of words) {
      const term = termOf(word);
      if (term === null) continue;
      const entry = counts.get(term);
      if (entry) entry[field]++;
      else counts.set(term, field === 'inText' ? { term, inText: 1, inTitle: 0 } : { term, inText: 0, inTitle: 1 });
    }
  };
  count(inText, 'inText');
  count(inTitle, 'inTitle');
  const headline = title ? headlineTerm(title) : null;
  if (headline) counts.set(headline, { term: headline, inText: 0, inTitle: 1 });
  return { terms: [...counts.values()], length: inText.length + inTitle.length };
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
    // A stop word has a term only here, when the question has no other word.
    const term = termOf(word) ?? stemmer(word);
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return [...counts].map(([term, count]) => ({ term, count }));
}
