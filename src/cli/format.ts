import type { Coverage } from '../search/coverage.js';
import type { ResultPassage, SearchResponse } from '../search/search.js';

const BOLD_YELLOW = '\u001b[1;33m';
const RESET = '\u001b[0m';

/**
 * Renders search results for a person: rank, score, title, outlet and date, then the passage
 * wrapped to the terminal, with its answer sentence highlighted when `color` is on.
 */
export function formatResults(response: SearchResponse, width: number, color: boolean): string {
  const coverage = response.coverage ? `\n${formatCoverage(response.coverage, width)}` : '';
  if (response.results.length === 0) return `No passages found for "${response.query}".\n${coverage}`;
  const passageLines = (passage: ResultPassage): string[] => {
    const lines = wrap(passage.text, Math.max(40, width - 6)).map(({ text, start }) => (color ? highlight(text, start, passage.answerStart, passage.answerEnd) : text));
    const also = passage.alsoIn.length > 0 ? [`also in: ${passage.alsoIn.map((a) => [a.title ?? a.id, a.source].filter(Boolean).join(', ')).join('; ')}`] : [];
    return [...lines, ...also].map((line) => `   ${line}`);
  };
  const blocks = response.results.map((result) => {
    const { article } = result;
    const title = `${article.title ?? article.id}`;
    if (result.passages) {
      // Grouped by article: the article once, then each of its passages with its paragraph and score.
      const where = [article.source, article.published, article.path ?? article.id].filter(Boolean).join(' · ');
      const passages = result.passages.map((passage) => [`   ¶${passage.paragraph} [${passage.score.toFixed(3)}]`, ...passageLines(passage)].join('\n'));
      return [`${result.rank}. ${title}`, `   ${where}`, ...passages].join('\n');
    }
    const where = [article.source, article.published, `${article.path ?? article.id} ¶${result.paragraph}`].filter(Boolean).join(' · ');
    return [`${result.rank}. [${result.score.toFixed(3)}] ${title}`, `   ${where}`, ...passageLines(result)].join('\n');
  });
  const count = response.results.length;
  const counted = response.group === 'article' ? `${count} ${count === 1 ? 'article' : 'articles'}` : `${count} passages`;
  return `${blocks.join('\n\n')}\n\n${counted} in ${response.tookMs} ms (${response.mode})\n${coverage}`;
}

/** The matching articles counted: a bar per dated bucket that has any, then the outlets. */
export function formatCoverage(coverage: Coverage, width: number): string {
  const { articles, timeline, outlets, unattributed } = coverage;
  const lines = [`${articles} matching ${articles === 1 ? 'article' : 'articles'}${timeline?.undated ? `, ${timeline.undated} undated` : ''}`];
  if (timeline && timeline.buckets.length > 0) {
    const most = Math.max(...timeline.buckets.map((b) => b.count));
    const label = (b: { start: string; end: string }) => (timeline.unit === 'day' ? b.start : `${b.start}..${b.end}`);
    const room = Math.max(10, Math.min(40, width - label(timeline.buckets[0]).length - 12));
    lines.push(`per ${timeline.unit} (empty ones left out):`);
    for (const bucket of timeline.buckets) {
      if (bucket.count > 0) lines.push(`  ${label(bucket)}  ${'█'.repeat(Math.max(1, Math.round((bucket.count / most) * room)))} ${bucket.count}`);
    }
  }
  if (outlets) {
    const named = outlets.map((o) => `${o.source} ${o.count}`);
    lines.push(`outlets: ${[...named, ...(unattributed ? [`no outlet ${unattributed}`] : [])].join(' · ') || 'none'}`);
  }
  return `${lines.join('\n')}\n`;
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
