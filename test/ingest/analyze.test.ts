import { describe, expect, it } from 'vitest';
import { headlineTerm, passageTerms, queryTerms } from '../../src/ingest/analyze.js';

const terms = (question: string) => queryTerms(question).map(({ term }) => term);

describe('lexical analysis, the same for passages and questions', () => {
  it('keeps each distinct content word once, lower-cased and stemmed', () => {
    expect(terms('Why does Egypt oppose a Rafah offensive? Egypt!')).toEqual(['egypt', 'oppos', 'rafah', 'offens']);
    expect(terms('talks talking talked')).toEqual(['talk']);
    // Distinct words of one stem each count.
    expect(queryTerms('talks talking talks')).toEqual([{ term: 'talk', count: 2 }]);
  });

  it('reads nothing as query syntax: quotes, operators, prefixes, columns, NEAR', () => {
    // and, or, not are stop words
    expect(terms('"Philadelphi" -corridor* (NEAR) title:x AND OR NOT ^y')).toEqual(['philadelphi', 'corridor', 'near', 'titl', 'x', 'y']);
  });

  it('keeps stop words when they are all there is, and gives none when there is no word', () => {
    expect(terms('Who was it?')).toEqual(['who', 'wa', 'it']);
    expect(terms('?! -- ""')).toEqual([]);
  });

  it('keeps numbers and non-Latin words, and removes diacritics', () => {
    expect(terms('1.4 million في غزة')).toEqual(['1', '4', 'million', 'في', 'غزة']);
    expect(terms('Café naïve Señor')).toEqual(terms('cafe naive senor'));
  });

  it('counts a passage’s terms in its text and its title, stop words in its length only', () => {
    const { terms: counted, length } = passageTerms('Talks in Cairo: the talks resumed.', 'Cairo talks');
    expect(length).toBe(8);
    expect(counted.sort((a, b) => a.term.localeCompare(b.term))).toEqual([
      // The whole title, as a question that is the headline looks it up.
      { term: '#cairo talks', inText: 0, inTitle: 1 },
      { term: 'cairo', inText: 1, inTitle: 1 },
      { term: 'resum', inText: 1, inTitle: 0 },
      { term: 'talk', inText: 2, inTitle: 1 },
    ]);
  });

  it('gives a title and a question that is it one headline term, case, punctuation and diacritics aside', () => {
    expect(headlineTerm('At the Gates of Death.')).toBe('#at the gates of death');
    expect(headlineTerm('at the gates of death')).toBe(headlineTerm('At the Gates of Death.'));
    expect(headlineTerm('Café “naïve”')).toBe(headlineTerm('cafe naive'));
    expect(headlineTerm('the gates of death')).not.toBe(headlineTerm('At the Gates of Death.'));
    expect(headlineTerm('—?!')).toBeNull();
    expect(headlineTerm('word '.repeat(100))).toBeNull();
    // No question's words can be it.
    expect(queryTerms('#at the gates of death').map(({ term }) => term)).not.toContain('#at the gates of death');
  });
});
