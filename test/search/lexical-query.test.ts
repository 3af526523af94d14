import { describe, expect, it } from 'vitest';
import { queryTerms } from '../../src/store/lexical-query.js';

describe('lexical query words (queryTerms)', () => {
  it('keeps each distinct content word once, lower-cased', () => {
    expect(queryTerms('Why does Egypt oppose a Rafah offensive? Egypt!')).toEqual(['egypt', 'oppose', 'rafah', 'offensive']);
  });

  it('drops FTS5 syntax: quotes, operators, prefixes, columns, NEAR', () => {
    // and, or, not are stop words
    expect(queryTerms('"Philadelphi" -corridor* (NEAR) title:x AND OR NOT ^y')).toEqual(['philadelphi', 'corridor', 'near', 'title', 'x', 'y']);
  });

  it('keeps stop words when they are all there is, and gives none when there is no word', () => {
    expect(queryTerms('Who was it?')).toEqual(['who', 'was', 'it']);
    expect(queryTerms('?! -- ""')).toEqual([]);
  });

  it('keeps numbers and non-Latin words', () => {
    expect(queryTerms('1.4 million في غزة')).toEqual(['1', '4', 'million', 'في', 'غزة']);
  });
});
