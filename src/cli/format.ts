import type { SearchResponse } from '../search/search.js';

/** Renders search results for a person: rank, score, title, outlet and date, then the passage. */
export function formatResults(response: SearchResponse, width: number): string {
  if (response.results.length === 0) return `No passages found for "${response.query}".\n`;
  const blocks = response.results.map((result) => {
    const { article } = result;
    const where = [article.source, article.published, `${article.path ?? article.id} ¶${result.paragraph}`].filter(Boolean).join(' · ');
    return [
      `${result.rank}. [${result.score.toFixed(3)}] ${article.title ?? article.id}`,
      `   ${where}`,
      ...wrap(result.text, Math.max(40, width - 6)).map((line) => `   ${line}`),
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n\n${response.results.length} passages in ${response.tookMs} ms\n`;
}

/** Breaks text into lines of at most `width` characters at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
