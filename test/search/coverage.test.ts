import { describe, expect, it } from 'vitest';
import { countByDate, countBySource, MATCH_RATIO, matchFloor } from '../../src/search/coverage.js';

describe('matchFloor', () => {
  it('is the best score times the match ratio', () => {
    expect(matchFloor([{ score: 0.8 }, { score: 0.1 }])).toBeCloseTo(0.8 * MATCH_RATIO, 12);
  });

  it('lets nothing match when there are no candidates or the best score is not positive', () => {
    expect(matchFloor([])).toBe(Number.POSITIVE_INFINITY);
    expect(matchFloor([{ score: -0.2 }])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('countByDate', () => {
  it('counts per day with no gaps, and undated articles apart', () => {
    const timeline = countByDate(['2024-02-22', null, '2024-02-20', '2024-02-22'], 'day');
    expect(timeline).toEqual({
      unit: 'day',
      buckets: [
        { start: '2024-02-20', end: '2024-02-20', count: 1 },
        { start: '2024-02-21', end: '2024-02-21', count: 0 },
        { start: '2024-02-22', end: '2024-02-22', count: 2 },
      ],
      undated: 1,
    });
  });

  it('starts weeks on Monday and months on the first, across a year end', () => {
    // 2024-12-30 is a Monday; 2025-01-05 the Sunday of the same ISO week.
    expect(countByDate(['2024-12-31', '2025-01-05', '2025-01-06'], 'week').buckets).toEqual([
      { start: '2024-12-30', end: '2025-01-05', count: 2 },
      { start: '2025-01-06', end: '2025-01-12', count: 1 },
    ]);
    expect(countByDate(['2024-01-31', '2024-03-01'], 'month').buckets).toEqual([
      { start: '2024-01-01', end: '2024-01-31', count: 1 },
      { start: '2024-02-01', end: '2024-02-29', count: 0 },
      { start: '2024-03-01', end: '2024-03-31', count: 1 },
    ]);
  });

  it('chooses by span with auto: days for weeks, weeks for months, months for years, years beyond', () => {
    expect(countByDate(['2024-01-01', '2024-02-15'], 'auto').unit).toBe('day');
    expect(countByDate(['2024-01-01', '2024-09-01'], 'auto').unit).toBe('week');
    expect(countByDate(['2020-01-01', '2024-09-01'], 'auto').unit).toBe('month');
    expect(countByDate(['1990-05-01', '2024-09-01'], 'auto').unit).toBe('year');
  });

  it('gives way to a coarser unit rather than return more than a thousand buckets', () => {
    const timeline = countByDate(['2000-01-01', '2024-01-01'], 'day');
    expect(timeline.unit).toBe('month');
    expect(timeline.buckets).toHaveLength(24 * 12 + 1);
    expect(timeline.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(2);
  });

  it('has no buckets when no article is dated', () => {
    expect(countByDate([null, null], 'auto')).toEqual({ unit: 'day', buckets: [], undated: 2 });
  });
});

describe('countBySource', () => {
  it('counts outlets case aside, most first, named as most often written', () => {
    expect(countBySource(['Reuters', 'AP', 'reuters', null, 'Reuters', 'BBC'])).toEqual({
      outlets: [
        { source: 'Reuters', count: 3 },
        { source: 'AP', count: 1 },
        { source: 'BBC', count: 1 },
      ],
      unattributed: 1,
    });
  });
});
