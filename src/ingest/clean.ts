import type { Article, ArticleInput } from './article.js';
import { isBoilerplate } from './boilerplate.js';
import { parseDate } from './dates.js';
import { readInlineMetadata, readMetadataLine } from './metadata.js';

const SENTENCE_END = /[.!?:;"”’')\]…]$/;
// A short line that ends no sentence is a heading or a link to another story, not a passage.
const HEADING_MAX_WORDS = 12;

/**
 * Cleans one article: drops boilerplate lines and captions, lifts metadata lines into the
 * article, splits the text into paragraphs and removes repeated ones. Metadata the input states
 * (front matter, JSON fields) wins over what the text suggests.
 */
export function cleanArticle(input: ArticleInput): Article {
  const lifted: { source?: string; published?: string } = {};
  const lines = normalizeText(input.text).split('\n');
  const kept: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      kept.push('');
      continue;
    }
    if (isBoilerplate(line)) continue;
    const metadata = readMetadataLine(line);
    if (metadata) {
      lifted.published ??= metadata.published;
      continue;
    }
    kept.push(line);
  }

  const seen = new Set<string>();
  const grouped = groupParagraphs(kept);
  // Headings are dropped only around body text: a text of short lines alone (a brief, an
  // abstract without punctuation) is all the article there is.
  const hasBody = grouped.some((paragraph) => !isHeading(paragraph));
  const paragraphs = grouped.filter((paragraph) => {
    const key = paragraph.toLowerCase();
    if (seen.has(key) || (hasBody && isHeading(paragraph)) || paragraph === input.title) return false;
    seen.add(key);
    return true;
  });
  // A headline alone, or a text that only repeats it: the headline is what the article says.
  const title = input.title?.trim() || null;
  if (paragraphs.length === 0 && title) paragraphs.push(title);
  for (const paragraph of paragraphs) {
    const inline = readInlineMetadata(paragraph);
    lifted.source ??= inline.source;
    lifted.published ??= inline.published;
    if (lifted.source && lifted.published) break;
  }

  return {
    id: input.id,
    title,
    source: input.source?.trim() || lifted.source || null,
    published: (input.published && parseDate(input.published)) || lifted.published || null,
    path: input.path,
    url: input.url?.trim() || null,
    paragraphs,
  };
}

/** Unifies line endings and spaces: CRLF, non-breaking and zero-width spaces, runs of blanks. */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .replace(/[\u200b-\u200d\ufeff]/g, '')
    .replace(/[ \t]+/g, ' ');
}

/**
 * Splits lines into paragraphs. Blank lines always end a paragraph; a single line break ends one
 * when the line before it ends a sentence (texts with one paragraph per line), and is a soft wrap
 * otherwise (hard-wrapped text), so the lines are joined.
 */
export function groupParagraphs(lines: string[]): string[] {
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    if (current) paragraphs.push(current);
    current = '';
  };
  for (const line of lines) {
    if (line === '') {
      flush();
      continue;
    }
    if (current && SENTENCE_END.test(current)) flush();
    current = current ? `${current} ${line}` : line;
  }
  flush();
  return paragraphs;
}

function isHeading(paragraph: string): boolean {
  return !SENTENCE_END.test(paragraph) && paragraph.split(' ').length <= HEADING_MAX_WORDS;
}
