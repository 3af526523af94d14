import type { PassageDraft, SentenceSpan } from './article.js';

/** Counts the tokens a text takes in the model, special tokens included. */
export type TokenCounter = (text: string) => number;

export interface WindowOptions {
  /** The model's input limit in tokens, special tokens included. */
  maxTokens: number;
  countTokens: TokenCounter;
  /** Sentences repeated at the start of the next window, so no statement loses its context. */
  overlapSentences?: number;
}

/** Bump whenever cleaning or splitting changes, so indexes made by older chunkers are rebuilt. */
export const CHUNKER_VERSION = 2;

// A sentence ends at . ! ? (and closing quotes) followed by a space and a capital, digit or quote.
const SENTENCE_BREAK = /(?<=[.!?]["”’')\]]?)\s+(?=["“‘(\[]?[A-Z0-9])/;

/** Splits text into sentences on terminal punctuation followed by a capitalized word. */
export function splitSentences(text: string): string[] {
  return text.split(SENTENCE_BREAK).map((s) => s.trim()).filter(Boolean);
}

/** The sentences of a text with their offsets (the whole text when it has one). */
export function sentenceSpans(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let from = 0;
  for (const sentence of splitSentences(text)) {
    const start = text.indexOf(sentence, from);
    if (start < 0) continue;
    spans.push({ start, end: start + sentence.length });
    from = start + sentence.length;
  }
  return spans.length > 0 ? spans : [{ start: 0, end: text.length }];
}

/**
 * Turns paragraphs into passages. A paragraph that fits the model is one passage; a longer one
 * becomes sentence-aligned windows that each fit and overlap by `overlapSentences`, so nothing is
 * lost to truncation. A single sentence too long for a window is cut at word boundaries.
 */
export function splitPassages(paragraphs: string[], options: WindowOptions): PassageDraft[] {
  const passages: PassageDraft[] = [];
  paragraphs.forEach((text, paragraph) => {
    const windows = options.countTokens(text) <= options.maxTokens ? [text] : windowText(text, options);
    windows.forEach((windowText, window) => {
      const sentences = sentenceSpans(windowText);
      // Each sentence's tokens, so that its vector can be pooled from the passage's token states.
      const sentenceTokens = sentences.length > 1 ? sentences.map(({ start, end }) => options.countTokens(windowText.slice(start, end)) - 2) : [];
      passages.push({ paragraph, window, text: windowText, sentences, sentenceTokens });
    });
  });
  return passages;
}

function windowText(text: string, options: WindowOptions): string[] {
  const overlap = options.overlapSentences ?? 1;
  const fits = (candidate: string) => options.countTokens(candidate) <= options.maxTokens;
  const sentences = splitSentences(text).flatMap((sentence) => (fits(sentence) ? [sentence] : cutWords(sentence, fits)));
  const windows: string[] = [];
  let start = 0;
  while (start < sentences.length) {
    let end = start + 1;
    while (end < sentences.length && fits(sentences.slice(start, end + 1).join(' '))) end++;
    windows.push(sentences.slice(start, end).join(' '));
    if (end >= sentences.length) break;
    // Step back for overlap, but always move forward by at least one sentence.
    start = Math.max(start + 1, end - overlap);
  }
  return windows;
}

function cutWords(sentence: string, fits: (text: string) => boolean): string[] {
  const words = sentence.split(' ');
  const pieces: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    if (current.length > 0 && !fits([...current, word].join(' '))) {
      pieces.push(current.join(' '));
      current = [];
    }
    current.push(word);
  }
  if (current.length > 0) pieces.push(current.join(' '));
  return pieces;
}
