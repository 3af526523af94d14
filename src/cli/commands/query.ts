import { openNewsq } from '../../newsq.js';
import { SEARCH_GROUPS, SEARCH_MODES, SEARCH_SORTS, TIMELINE_OPTIONS, isSearchGroup, isSearchMode, isSearchSort, isTimelineOption } from '../../search/modes.js';
import { COMMON_OPTIONS, dateFlag, integerFlag, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';
import { formatResults } from '../format.js';

export const querySpec: CommandSpec = {
  usage: `Usage: newsq query "<question>" [--k 5] [--mode ${SEARCH_MODES.join('|')}] [--group article] [--sort newest] [--timeline auto] [--outlets] [--source S] [--from DATE] [--to DATE] [--json]

Finds the passages that answer a question, best first, each with its article and paragraph.

  --k N            how many results (1 to 100, default 5)
  --mode M         hybrid (default: meaning and words), dense (meaning) or lexical (words, BM25)
  --group article  one result per article, with its best passages (up to 3); --k counts articles
  --sort newest    newest first, among the articles that match the question well enough
  --timeline U     count the matching articles per day, week, month or year (auto: by their span)
  --outlets        count the matching articles per outlet
  --source S       only articles from this outlet (case does not matter)
  --from DATE      only articles published on or after DATE (YYYY-MM-DD)
  --to DATE        only articles published on or before DATE (YYYY-MM-DD)
  --json           print the HTTP API's answer: {"query", "mode", "group", "sort", "tookMs", "results", "coverage"}
  --index-dir DIR  index folder (default index/, or NEWSQ_INDEX_DIR)`,
  options: {
    ...COMMON_OPTIONS,
    k: { type: 'string' },
    mode: { type: 'string' },
    group: { type: 'string' },
    sort: { type: 'string' },
    timeline: { type: 'string' },
    outlets: { type: 'boolean' },
    source: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
};

export async function runQuery(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(querySpec, argv);
  if (values.help) return help(context, querySpec);
  const k = integerFlag(values.k, 'k', querySpec.usage);
  if (k !== undefined && (k < 1 || k > 100)) throw new UsageError('--k must be from 1 to 100', querySpec.usage);
  const question = positionals[0].trim();
  if (!question) throw new UsageError('the question is empty', querySpec.usage);
  const mode = values.mode as string | undefined;
  if (mode !== undefined && !isSearchMode(mode)) throw new UsageError(`--mode must be one of ${SEARCH_MODES.join(', ')}`, querySpec.usage);
  const group = values.group as string | undefined;
  if (group !== undefined && !isSearchGroup(group)) throw new UsageError(`--group must be one of ${SEARCH_GROUPS.join(', ')}`, querySpec.usage);
  const sort = values.sort as string | undefined;
  if (sort !== undefined && !isSearchSort(sort)) throw new UsageError(`--sort must be one of ${SEARCH_SORTS.join(', ')}`, querySpec.usage);
  const timeline = values.timeline as string | undefined;
  if (timeline !== undefined && !isTimelineOption(timeline)) throw new UsageError(`--timeline must be one of ${TIMELINE_OPTIONS.join(', ')}`, querySpec.usage);
  const from = dateFlag(values.from, 'from', querySpec.usage);
  const to = dateFlag(values.to, 'to', querySpec.usage);
  const config = configFrom(context, values, {}, querySpec.usage);
  const newsq = await openNewsq({ settings: config, create: false, onNotice: (message) => context.logger.info(message) });
  try {
    const { source } = values as { source?: string };
    const response = await newsq.search({ query: question, k, mode, group, sort, timeline, outlets: values.outlets === true, source, from, to });
    context.stdout.write(values.json ? `${JSON.stringify(response)}\n` : formatResults(response, context.columns, context.isTty && !context.env.NO_COLOR));
  } finally {
    await newsq.close();
  }
  return 0;
}
