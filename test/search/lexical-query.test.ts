import { describe, expect, it } from 'vitest';
import { anyOf, queryTerms } from '../../src/store/lexical-query.js';

// The MATCH expression the store sends to FTS5 for a question, or null when it has no word.
const toMatchExpression = (question: string) => (queryTerms(question).length > 0 ? anyOf(queryTerms(question)) : null);

describe('lexical query (queryTerms joined by anyOf)', () => {
  it('quotes each distinct content word and joins them with OR', () => {
    expect(toMatchExpression('Why does Egypt oppose a Rafah offensive? Egypt!')).toBe('"egypt" OR "oppose" OR "rafah" OR "offensive"');
  });

  it('neutralizes FTS5 syntax: quotes, operators, prefixes, columns, NEAR', () => {
    expect(toMatchExpression('"Philadelphi" -corridor* (NEAR) title:x AND OR NOT ^y')).toBe(
      '"philadelphi" OR "corridor" OR "near" OR "title" OR "x" OR "y"', // and, or, not are stop words
    );
  });

  it('keeps stop words when they are all there is, and gives null when there is no word', () => {
    expect(toMatchExpression('Who was it?')).toBe('"who" OR "was" OR "it"');
    expect(toMatchExpression('?! -- ""')).toBeNull();
  });

  it('keeps numbers and non-Latin words', () => {
    expect(toMatchExpression('1.4 million في غزة')).toBe('"1" OR "4" OR "million" OR "في" OR "غزة"');
  });
});
