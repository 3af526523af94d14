import { describe, expect, it } from 'vitest';
import { formatResults, wrap } from '../../src/cli/format.js';

describe('formatResults', () => {
  const response = {
    query: 'q',
    mode: 'hybrid' as const,
    group: 'passage' as const,
    sort: 'relevance' as const,
    tookMs: 3,
    results: [
      {
        rank: 1,
        score: 0.5,
        text: 'First sentence here. The answer sentence is this one.',
        paragraph: 2,
        answer: 'The answer sentence is this one.',
        answerStart: 21,
        answerEnd: 53,
        article: { id: 'a.txt', title: 'Title', source: 'Outlet', published: '2024-01-02', path: 'a.txt', url: null },
        alsoIn: [{ id: 'b.txt', title: 'Copy', source: 'Other', published: null, path: 'b.txt', url: null }],
      },
    ],
  };

  it('highlights the answer sentence across wrapped lines when color is on', () => {
    const output = formatResults(response, 36, true);
    expect(output).toContain('Outlet · 2024-01-02 · a.txt ¶2');
    expect(output).toContain('also in: Copy, Other');
    expect(output.replace(/\u001b\[[\d;]*m/g, '')).toBe(formatResults(response, 36, false));
    const highlighted = [...output.matchAll(/\u001b\[1;33m(.*?)\u001b\[0m/g)].map((m) => m[1]).join(' ');
    expect(highlighted).toBe('The answer sentence is this one.');
  });

  it('shows an article once, with each of its passages, when results are grouped by article', () => {
    const [result] = response.results;
    const second = { ...result, score: 0.4, text: 'A later paragraph of the same article.', paragraph: 5, answer: 'A later paragraph of the same article.', answerStart: 0, answerEnd: 38, alsoIn: [] };
    const grouped = { ...response, group: 'article' as const, results: [{ ...result, passages: [result, second] }] };
    const output = formatResults(grouped, 80, false);
    expect(output.match(/Title/g)).toHaveLength(1);
    expect(output).toContain('¶2 [0.500]');
    expect(output).toContain('¶5 [0.400]');
    expect(output).toContain('A later paragraph of the same article.');
    expect(output).toMatch(/1 article in 3 ms/);
  });

  it('counts the matching articles after the results: a bar per dated bucket that has any, then the outlets', () => {
    const coverage = {
      articles: 4,
      timeline: {
        unit: 'week' as const,
        buckets: [
          { start: '2024-02-05', end: '2024-02-11', count: 2 },
          { start: '2024-02-12', end: '2024-02-18', count: 0 },
          { start: '2024-02-19', end: '2024-02-25', count: 1 },
        ],
        undated: 1,
      },
      outlets: [{ source: 'The National', count: 3 }],
      unattributed: 1,
    };
    const output = formatResults({ ...response, coverage }, 80, false);
    expect(output).toContain('4 matching articles, 1 undated\nper week (empty ones left out):\n');
    expect(output).toMatch(/  2024-02-05\.\.2024-02-11  (█+) 2\n  2024-02-19\.\.2024-02-25  (█+) 1\n/);
    const [, two, one] = /(█+) 2\n.*?(█+) 1\n/s.exec(output)!;
    expect(two.length).toBe(2 * one.length);
    expect(output).toContain('outlets: The National 3 · no outlet 1\n');
    expect(formatResults({ ...response, results: [], coverage: { articles: 0 } }, 80, false)).toBe('No passages found for "q".\n\n0 matching articles\n');
  });

  it('wraps at spaces, keeping offsets into the text', () => {
    const text = 'one two three four five';
    const lines = wrap(text, 9);
    expect(lines.map((l) => l.text)).toEqual(['one two', 'three', 'four five']);
    for (const line of lines) expect(text.slice(line.start, line.start + line.text.length)).toBe(line.text);
  });
});
