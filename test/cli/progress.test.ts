import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatProgress } from '../../src/cli/progress.js';

const progress = (passagesDone: number, elapsedMs: number) => ({ articlesDone: 3, articlesTotal: 10, passagesDone, passagesEstimate: 200, elapsedMs });

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe('progress', () => {
  it('shows counts, rate and time left, with a bar for terminals', () => {
    expect(formatProgress(progress(50, 10_000))).toBe('3/10 articles · 50/200 passages · 5.0/s · ETA 30s');
    // The bar takes what the line leaves of 80 columns (26 here), half of it done.
    expect(formatProgress(progress(100, 20_000), 80)).toBe(`[${'#'.repeat(13)}${'-'.repeat(13)}] 3/10 articles · 100/200 passages · 5.0/s · ETA 20s`);
    expect(formatProgress({ ...progress(0, 0), passagesEstimate: 0 })).toBe('3/10 articles · 0/? passages · 0.0/s · ETA -');
  });

  it('redraws one line on a terminal and ends it when done', async () => {
    const out = capture();
    const reporter = createProgress({ stream: out.stream, isTty: true, width: 80 });
    reporter.update(progress(50, 10_000));
    reporter.update(progress(100, 20_000));
    reporter.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text().split('\r').filter(Boolean)).toHaveLength(2);
    expect(out.text().endsWith('\n')).toBe(true);
  });

  it('writes plain lines no more often than the interval elsewhere', async () => {
    const out = capture();
    const reporter = createProgress({ stream: out.stream, isTty: false, intervalMs: 10_000 });
    for (const elapsed of [0, 2_000, 9_000, 10_500, 12_000, 25_000]) reporter.update(progress(10, elapsed));
    reporter.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text().trim().split('\n')).toHaveLength(3);
    expect(out.text()).not.toContain('\r');
  });
});
