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
 * lost to truncation. A single sentence too long for a window is cut at word boundaries. Each
 * sentence is tokenized once: a text's tokens are its sentences' tokens (BERT-style tokenizers
 * split at white space first), so window sizes are sums.
 */
export function splitPassages(paragraphs: string[], options: WindowOptions): PassageDraft[] {
  const passages: PassageDraft[] = [];
  paragraphs.forEach((text, paragraph) => {
    const spans = sentenceSpans(text);
    const pieces = spans.map(({ start, end }) => {
      const sentence = text.slice(start, end);
      return { text: sentence, tokens: options.countTokens(sentence) - SPECIAL_TOKENS };
    });
    if (sum(pieces) + SPECIAL_TOKENS <= options.maxTokens) {
      passages.push({ paragraph, window: 0, text, sentences: spans });
      return;
    }
    windowPieces(pieces, options).forEach((windowPieces, window) => passages.push({ paragraph, window, ...joinPieces(windowPieces) }));
  });
  return passages;
}

// [CLS] and [SEP]: counted once per passage, not per sentence.
const SPECIAL_TOKENS = 2;

interface Piece {
  text: string;
  tokens: number;
}

const sum = (pieces: Piece[]) => pieces.reduce((total, piece) => total + piece.tokens, 0);

function windowPieces(sentences: Piece[], options: WindowOptions): Piece[][] {
  const budget = options.maxTokens - SPECIAL_TOKENS;
  const overlap = options.overlapSentences ?? 1;
  const pieces = sentences.flatMap((piece) => (piece.tokens <= budget ? [piece] : cutWords(piece.text, budget, options.countTokens)));
  const windows: Piece[][] = [];
  let start = 0;
  while (start < pieces.length) {
    let end = start + 1;
    let used = pieces[start].tokens;
    while (end < pieces.length && used + pieces[end].tokens <= budget) used += pieces[end++].tokens;
    windows.push(pieces.slice(start, end));
    if (end >= pieces.length) break;
    // Step back for overlap, but always move forward by at least one sentence.
    start = Math.max(start + 1, end - overlap);
  }
  return windows;
}

function joinPieces(pieces: Piece[]): { text: string; sentences: SentenceSpan[] } {
  const sentences: SentenceSpan[] = [];
  let text = '';
  for (const piece of pieces) {
    if (text) text += ' ';
    sentences.push({ start: text.length, end: text.length + piece.text.length });
    text += piece.text;
  }
  return { text, sentences };
}

function cutWords(sentence: string, budget: number, countTokens: TokenCounter): Piece[] {
  const pieces: Piece[] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const word of sentence.split(' ')) {
    const cost = countTokens(word) - SPECIAL_TOKENS;
    if (current.length > 0 && tokens + cost > budget) {
      pieces.push({ text: current.join(' '), tokens });
      current = [];
      tokens = 0;
    }
    current.push(word);
    tokens += cost;
  }
  if (current.length > 0) pieces.push({ text: current.join(' '), tokens });
  return pieces;
}
