import type { SearchResponse } from '../search/search.js';

const BOLD_YELLOW = '\u001b[1;33m';
const RESET = '\u001b[0m';

/**
 * Renders search results for a person: rank, score, title, outlet and date, then the passage
 * wrapped to the terminal, with its answer sentence highlighted when `color` is on.
 */
export function formatResults(response: SearchResponse, width: number, color: boolean): string {
  if (response.results.length === 0) return `No passages found for "${response.query}".\n`;
  const blocks = response.results.map((result) => {
    const { article } = result;
    const where = [article.source, article.published, `${article.path ?? article.id} ¶${result.paragraph}`].filter(Boolean).join(' · ');
    const lines = wrap(result.text, Math.max(40, width - 6)).map(({ text, start }) =>
      color ? highlight(text, start, result.answerStart, result.answerEnd) : text,
    );
    const also = result.alsoIn.length > 0 ? [`   also in: ${result.alsoIn.map((a) => [a.title ?? a.id, a.source].filter(Boolean).join(', ')).join('; ')}`] : [];
    return [`${result.rank}. [${result.score.toFixed(3)}] ${article.title ?? article.id}`, `   ${where}`, ...lines.map((line) => `   ${line}`), ...also].join('\n');
  });
  return `${blocks.join('\n\n')}\n\n${response.results.length} passages in ${response.tookMs} ms (${response.mode})\n`;
}

/** Breaks text into lines of at most `width` characters at spaces, each with its offset in `text`. */
export function wrap(text: string, width: number): { text: string; start: number }[] {
  const lines: { text: string; start: number }[] = [];
  const words = [...text.matchAll(/\S+/g)];
  let line: { text: string; start: number } | null = null;
  for (const word of words) {
    if (line && word.index - line.start + word[0].length > width) {
      lines.push(line);
      line = null;
    }
    line = line ? { text: text.slice(line.start, word.index + word[0].length), start: line.start } : { text: word[0], start: word.index };
  }
  if (line) lines.push(line);
  return lines;
}

function highlight(line: string, lineStart: number, from: number, to: number): string {
  const start = Math.max(from - lineStart, 0);
  const end = Math.min(to - lineStart, line.length);
  if (start >= end) return line;
  return `${line.slice(0, start)}${BOLD_YELLOW}${line.slice(start, end)}${RESET}${line.slice(end)}`;
}
