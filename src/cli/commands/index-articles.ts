import { createEngine, indexLocation } from '../../engine.js';
import type { SyncSummary } from '../../sync.js';
import { COMMON_OPTIONS, integerFlag, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { sourcesOf } from '../../fetch-sources.js';

export const indexSpec: CommandSpec = {
  usage: `Usage: newsq index <file-folder-or-url>... [--index-dir DIR] [--rebuild] [--threads N] [--json]

Indexes articles (.txt .md .html .json .jsonl), feeds (RSS and Atom: .rss .atom .rdf .xml),
folders recursively, web archives (.warc .warc.gz), sitemap files, and web addresses (a feed's
items, a sitemap's pages, or one article page; one request a second per host). Re-running it is a
sync: new and changed articles are embedded, unchanged ones skipped, and articles whose files are
gone from the same folders removed (a feed's items stay). Unreadable input is reported and skipped.

On PostgreSQL, any number of index processes, on any machines, share the embedding of one job.

  --index-dir DIR  index folder (default index/, or NEWSQ_INDEX_DIR)
  --rebuild        discard the existing index and build it anew
  --threads N      threads the model runs on (default: every core; NEWSQ_THREADS)
  --fetch-pages    for a feed item whose text is only a summary, fetch its page and index that
  --json           print one summary object (skippedCount, and each skip in skipped)`,
  options: { ...COMMON_OPTIONS, rebuild: { type: 'boolean' }, json: { type: 'boolean' }, threads: { type: 'string' }, 'fetch-pages': { type: 'boolean' } },
  positionals: { min: 1, max: Infinity },
};

export async function runIndex(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(indexSpec, argv);
  if (values.help) return help(context, indexSpec);
  const threads = integerFlag(values.threads, 'threads', indexSpec.usage);
  const config = configFrom(context, values, threads === undefined ? {} : { threads }, indexSpec.usage);
  const summary = await indexFolders(positionals, config, context, { rebuild: Boolean(values.rebuild), quiet: Boolean(values.json), fetchPages: Boolean(values['fetch-pages']) });
  if (values.json) context.stdout.write(`${JSON.stringify({ ...summary, skippedCount: summary.skipped.length })}\n`);
  else context.stdout.write(describeSummary(summary, indexLocation(config)));
  return 0;
}

/** Reads the given paths and syncs them into the configured index. */
export async function indexFolders(
  paths: string[],
  config: Parameters<typeof createEngine>[0],
  context: CliContext,
  options: { rebuild: boolean; quiet: boolean; fetchPages?: boolean },
): Promise<SyncSummary> {
  const sources = await sourcesOf(paths, { fetchPages: options.fetchPages });
  const engine = await createEngine(config, {
    writable: true,
    rebuild: options.rebuild,
    onNotice: (message) => context.logger.info(message),
  });
  const progress = options.quiet ? null : createProgress({ stream: context.stderr, isTty: context.isTty, width: context.columns });
  try {
    return await engine.sync(sources, progress ? (p) => progress.update(p) : undefined);
  } finally {
    progress?.done();
    await engine.close();
  }
}

function describeSummary(summary: SyncSummary, where: string): string {
  const lines = [
    `${summary.articles} articles in ${where}: ${summary.added} added, ${summary.updated} updated, ${summary.removed} removed, ${summary.unchanged} unchanged, ${summary.skipped.length} skipped`,
    `${summary.embedded} passages embedded in ${summary.seconds} s`,
  ];
  if (summary.skipped.length > 0) {
    lines.push(`${summary.skipped.length} skipped:`);
    for (const { path, reason } of summary.skipped) lines.push(`  ${path}: ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}
