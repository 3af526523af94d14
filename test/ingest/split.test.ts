import { describe, expect, it } from 'vitest';
import { splitPassages, splitSentences } from '../../src/ingest/split.js';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length + 2;

describe('splitPassages', () => {
  it('keeps a paragraph that fits as one passage', () => {
    expect(splitPassages(['Short paragraph here.'], { maxTokens: 16, countTokens: countWords })).toEqual([
      { paragraph: 0, window: 0, text: 'Short paragraph here.', sentences: [{ start: 0, end: 21 }] },
    ]);
  });

  it('gives each sentence of a passage, and of each window, offsets that slice it out', () => {
    const [passage] = splitPassages(['One two three. Four five.'], { maxTokens: 64, countTokens: countWords });
    expect(passage.sentences).toEqual([{ start: 0, end: 14 }, { start: 15, end: 25 }]);
    const windows = splitPassages(['Alpha beta gamma.  Delta epsilon zeta. Eta theta iota.'], { maxTokens: 8, countTokens: countWords });
    expect(windows.map((w) => w.sentences.map(({ start, end }) => w.text.slice(start, end)))).toEqual([
      ['Alpha beta gamma.', 'Delta epsilon zeta.'],
      ['Delta epsilon zeta.', 'Eta theta iota.'],
    ]);
  });

  it('splits a long paragraph into overlapping sentence windows that each fit and lose nothing', () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} has exactly seven words.`.replace('exactly seven', `exactly ${i}`));
    const passages = splitPassages(['Intro.', sentences.join(' ')], { maxTokens: 20, countTokens: countWords });
    const windows = passages.filter((passage) => passage.paragraph === 1);
    expect(windows.length).toBeGreaterThan(3);
    windows.forEach((window, i) => {
      expect(window.window).toBe(i);
      expect(countWords(window.text)).toBeLessThanOrEqual(20);
    });
    for (const sentence of sentences) expect(windows.some((window) => window.text.includes(sentence))).toBe(true);
    // Consecutive windows share a sentence.
    for (let i = 1; i < windows.length; i++) {
      const previous = splitSentences(windows[i - 1].text);
      expect(splitSentences(windows[i].text)[0]).toBe(previous[previous.length - 1]);
    }
  });

  it('cuts a single sentence longer than the window at word boundaries', () => {
    const long = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const passages = splitPassages([long], { maxTokens: 12, countTokens: countWords });
    expect(passages.map((p) => p.text).join(' ').split(' ')).toEqual(long.split(' '));
    for (const passage of passages) expect(countWords(passage.text)).toBeLessThanOrEqual(12);
  });
});

describe('splitSentences', () => {
  it('splits at terminal punctuation before a capital and keeps quotes with their sentence', () => {
    expect(splitSentences('He left. “It is over,” he said. Then 3 more came? Yes.')).toEqual([
      'He left.',
      '“It is over,” he said.',
      'Then 3 more came?',
      'Yes.',
    ]);
  });
});
