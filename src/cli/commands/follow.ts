import { durationMs } from '../../config.js';
import { indexLocation } from '../../engine.js';
import type { PollReport } from '../../follow.js';
import { openNewsq } from '../../newsq.js';
import { COMMON_OPTIONS, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const followSpec: CommandSpec = {
  usage: `Usage: newsq follow [<feed-url-or-file>...] [--every 5m] [--fetch-pages] [--index-dir DIR] [--json]

Follows RSS and Atom feeds until stopped (Ctrl-C): each feed is asked for every interval with
conditional requests (ETag, Last-Modified), and its new and changed items are indexed. A feed that
fails is retried later, backing off (longer still when the server sends Retry-After); the others go
on. A host is asked at most once a second. What was seen is kept in the index, so a restart fetches
nothing it has. With no feeds named, follows the config's follow.feeds. serve follows those too.

  --every 5m       how often each feed is asked for: s, m or h (default 5m; follow.every)
  --fetch-pages    for an item whose text is only a summary, fetch its page and index that
  --index-dir DIR  index folder (default index/, or NEWSQ_INDEX_DIR); created if missing
  --json           print each poll as one JSON object per line`,
  options: { ...COMMON_OPTIONS, every: { type: 'string' }, 'fetch-pages': { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: Infinity },
};

export async function runFollow(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(followSpec, argv);
  if (values.help) return help(context, followSpec);
  if (typeof values.every === 'string' && durationMs(values.every) === null) throw new UsageError('--every must be a duration of at least 1s, such as 30s, 5m or 1h', followSpec.usage);
  const config = configFrom(context, values, {}, followSpec.usage);
  const feeds = positionals.length > 0 ? positionals : config.follow.feeds;
  if (feeds.length === 0) throw new UsageError('name a feed to follow, or list them in follow.feeds of newsq.config.json', followSpec.usage);
  const every = typeof values.every === 'string' ? values.every : config.follow.every;
  const newsq = await openNewsq({ settings: config, onNotice: (message) => context.logger.info(message) });
  const write = (report: PollReport) => context.stdout.write(values.json ? `${JSON.stringify(report)}\n` : describePoll(report));
  const follower = newsq.follow(feeds, { every, fetchPages: Boolean(values['fetch-pages']) || config.follow.fetchPages, onPoll: write });
  if (!values.json) context.stdout.write(`newsq following ${feeds.length} feed${feeds.length === 1 ? '' : 's'} every ${every} into ${indexLocation(config)} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await follower.stop();
  await newsq.close();
  return 0;
}

/** One poll as a line, with its skipped items below it. */
export function describePoll(report: PollReport): string {
  const next = `next at ${new Date(report.dueAt).toISOString().slice(11, 19)}`;
  const head = `${new Date().toISOString().slice(0, 19)}Z ${report.feed}: `;
  let line: string;
  if (report.outcome === 'failed') line = `failed (${report.error}); ${next}`;
  else if (report.outcome === 'not-modified') line = `not modified; ${next}`;
  else if (report.changed === 0) line = `${report.items} items, none new or changed; ${next}`;
  else {
    const { added, updated, embedded } = report.summary!;
    line = `${report.changed} of ${report.items} items new or changed: ${added} added, ${updated} updated, ${embedded} passages embedded; ${next}`;
  }
  return [head + line, ...report.skipped.map(({ path, reason }) => `  skipped ${path}: ${reason}`)].join('\n') + '\n';
}
