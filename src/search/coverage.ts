import type { ArticleSummary } from '../store/store.js';
import { TIMELINE_UNITS, type TimelineOption, type TimelineUnit } from './modes.js';

/**
 * A candidate passage matches a question when its score is at least this share of the best
 * candidate's. Chosen on the four test collections (docs/quality.md, "The matching set"): the
 * ratio whose matching articles agree best (mean F1) with the judged relevant ones.
 */
export const MATCH_RATIO = 0.65;

/** Buckets a timeline holds at most: a finer unit that needs more gives way to a coarser one. */
export const MAX_BUCKETS = 1000;

/** `auto` picks the finest unit that draws the matching articles' span in at most this many bars. */
const AUTO_BUCKETS = 60;

export interface TimelineBucket {
  /** First day of the bucket, `YYYY-MM-DD`. */
  start: string;
  /** Last day of the bucket, `YYYY-MM-DD`. */
  end: string;
  count: number;
}

/** Matching articles per day, week (Monday to Sunday), month or year, with no gaps between the first and last. */
export interface Timeline {
  unit: TimelineUnit;
  buckets: TimelineBucket[];
  /** Matching articles without a publication date. */
  undated: number;
}

export interface OutletCount {
  source: string;
  count: number;
}

/** The articles that match a question well enough, counted over time and by outlet. */
export interface Coverage {
  /** How many articles match. */
  articles: number;
  timeline?: Timeline;
  /** Matching articles per outlet, most first; outlets named alike but for case are one. */
  outlets?: OutletCount[];
  /** Matching articles that name no outlet. */
  unattributed?: number;
}

/**
 * The lowest score that matches among ranked candidates (best first): `ratio` of the best. Nothing
 * matches (the floor is infinite) when the best score is not positive: nothing is similar at all.
 */
export function matchFloor(ranked: readonly { score: number }[], ratio = MATCH_RATIO): number {
  const best = ranked[0]?.score ?? 0;
  return best > 0 ? best * ratio : Number.POSITIVE_INFINITY;
}

/** Counts the matching articles over time and/or by outlet. */
export function describeCoverage(articles: ArticleSummary[], options: { timeline?: TimelineOption; outlets?: boolean }): Coverage {
  const coverage: Coverage = { articles: articles.length };
  if (options.timeline) coverage.timeline = countByDate(articles.map((a) => a.published), options.timeline);
  if (options.outlets) Object.assign(coverage, countBySource(articles.map((a) => a.source)));
  return coverage;
}

/** Counts dates (`YYYY-MM-DD`, or null) per bucket of `unit`; `auto` chooses the unit by the dates' span. */
export function countByDate(dates: (string | null)[], option: TimelineOption): Timeline {
  const known = dates.filter((date): date is string => date !== null).sort();
  const undated = dates.length - known.length;
  if (known.length === 0) return { unit: option === 'auto' ? 'day' : option, buckets: [], undated };
  const first = known[0];
  const last = known[known.length - 1];
  const units = TIMELINE_UNITS.slice(option === 'auto' ? 0 : TIMELINE_UNITS.indexOf(option));
  const limit = option === 'auto' ? AUTO_BUCKETS : MAX_BUCKETS;
  const unit = units.find((u) => bucketsBetween(u, first, last) <= limit) ?? 'year';
  const buckets: TimelineBucket[] = [];
  for (let start = bucketStart(unit, first); start <= last; start = nextBucket(unit, start)) {
    buckets.push({ start, end: addDays(nextBucket(unit, start), -1), count: 0 });
  }
  let at = 0;
  for (const date of known) {
    while (date > buckets[at].end) at++;
    buckets[at].count++;
  }
  return { unit, buckets, undated };
}

/** Counts outlets, case aside, each shown as it is most often written; most first, then by name. */
export function countBySource(sources: (string | null)[]): { outlets: OutletCount[]; unattributed: number } {
  const outlets = new Map<string, { count: number; spellings: Map<string, number> }>();
  let unattributed = 0;
  for (const source of sources) {
    if (!source) {
      unattributed++;
      continue;
    }
    const key = source.toLowerCase();
    const outlet = outlets.get(key) ?? outlets.set(key, { count: 0, spellings: new Map() }).get(key)!;
    outlet.count++;
    outlet.spellings.set(source, (outlet.spellings.get(source) ?? 0) + 1);
  }
  const counted = [...outlets.values()].map(({ count, spellings }) => ({ source: [...spellings].reduce((a, b) => (b[1] > a[1] ? b : a))[0], count }));
  return { outlets: counted.sort((a, b) => b.count - a.count || a.source.localeCompare(b.source)), unattributed };
}

function bucketsBetween(unit: TimelineUnit, first: string, last: string): number {
  const from = parse(bucketStart(unit, first));
  const to = parse(last);
  if (unit === 'day') return (to.getTime() - from.getTime()) / DAY + 1;
  if (unit === 'week') return Math.floor((to.getTime() - from.getTime()) / (7 * DAY)) + 1;
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth() + 1;
  return unit === 'month' ? months : to.getUTCFullYear() - from.getUTCFullYear() + 1;
}

/** The first day of the bucket of `unit` that holds `date`; weeks start on Monday (ISO 8601). */
function bucketStart(unit: TimelineUnit, date: string): string {
  if (unit === 'day') return date;
  if (unit === 'week') return addDays(date, -((parse(date).getUTCDay() + 6) % 7));
  return unit === 'month' ? `${date.slice(0, 7)}-01` : `${date.slice(0, 4)}-01-01`;
}

function nextBucket(unit: TimelineUnit, start: string): string {
  if (unit === 'day') return addDays(start, 1);
  if (unit === 'week') return addDays(start, 7);
  const date = parse(start);
  if (unit === 'month') date.setUTCMonth(date.getUTCMonth() + 1);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  return format(date);
}

const DAY = 86_400_000;

function addDays(date: string, days: number): string {
  return format(new Date(parse(date).getTime() + days * DAY));
}

function parse(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function format(date: Date): string {
  return date.toISOString().slice(0, 10);
}
