import type { Coverage, Timeline } from '../../search/coverage.js';

/** The search as the page's form holds it: a link changes some of its fields and keeps the rest. */
export type SearchForm = Record<'q' | 'source' | 'from' | 'to' | 'group' | 'sort', string>;

/** A link to the page with the search `form` holds, `changes` applied; empty fields are left out. */
export function searchLink(form: SearchForm, changes: Partial<SearchForm>): string {
  const params = new URLSearchParams(Object.entries({ ...form, ...changes }).filter(([, value]) => value !== ''));
  return `/?${params}`;
}

const WIDTH = 600;
const HEIGHT = 80;

/**
 * How the matching articles spread over time and across outlets: a bar chart drawn on the server
 * (SVG, no script), each bar a link narrowing the search to its dates, and outlet links.
 */
export function CoverageView({ coverage, form }: { coverage: Coverage; form: SearchForm }) {
  const { articles, timeline, outlets, unattributed } = coverage;
  return (
    <section class="coverage" aria-label="Coverage">
      <p class="summary">
        {articles} matching {articles === 1 ? 'article' : 'articles'}
        {timeline && timeline.undated > 0 ? `, ${timeline.undated} undated` : ''}
      </p>
      {timeline && timeline.buckets.length > 0 ? <Chart timeline={timeline} form={form} /> : null}
      {outlets && outlets.length > 0 ? (
        <p class="outlets">
          {outlets.map((outlet, i) => (
            <>
              {i > 0 ? ' · ' : ''}
              <a href={searchLink(form, { source: outlet.source })}>{outlet.source}</a> {outlet.count}
            </>
          ))}
          {unattributed ? ` · no outlet ${unattributed}` : ''}
        </p>
      ) : null}
    </section>
  );
}

function Chart({ timeline, form }: { timeline: Timeline; form: SearchForm }) {
  const { buckets, unit } = timeline;
  const most = Math.max(...buckets.map((b) => b.count));
  const slot = WIDTH / buckets.length;
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  return (
    <figure class="timeline">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Matching articles per ${unit}, ${first.start} to ${last.end}`}>
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="axis" />
        {buckets.map((bucket, i) => {
          if (bucket.count === 0) return null;
          const height = Math.max(2, (bucket.count / most) * (HEIGHT - 4));
          const label = `${describeBucket(bucket.start, bucket.end)}: ${bucket.count} ${bucket.count === 1 ? 'article' : 'articles'}`;
          return (
            <a href={searchLink(form, { from: bucket.start, to: bucket.end })} aria-label={label} data-start={bucket.start}>
              <title>{label}</title>
              <rect x={i * slot + slot * 0.1} y={HEIGHT - height} width={Math.max(1, slot * 0.8)} height={height} />
            </a>
          );
        })}
      </svg>
      <figcaption>
        <span>{first.start}</span>
        <span>
          per {unit}, highest {most}
        </span>
        <span>{last.end}</span>
      </figcaption>
    </figure>
  );
}

function describeBucket(start: string, end: string): string {
  return start === end ? start : `${start} to ${end}`;
}
