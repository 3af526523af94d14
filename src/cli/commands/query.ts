import { createEngine } from '../../engine.js';
import { COMMON_OPTIONS, integerFlag, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';
import { formatResults } from '../format.js';

export const querySpec: CommandSpec = {
  usage: `Usage: newsq query "<question>" [--k 5] [--json] [--index-dir DIR]

Finds the passages that answer a question, best first, each with its article and paragraph.

  --k N            how many passages (1 to 100, default 5)
  --json           print {"query", "tookMs", "results"} as JSON
  --index-dir DIR  index folder (default index/, or NEWSQ_INDEX_DIR)`,
  options: { ...COMMON_OPTIONS, k: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
};

export async function runQuery(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(querySpec, argv);
  if (values.help) return help(context, querySpec);
  const k = integerFlag(values.k, 'k', querySpec.usage);
  if (k !== undefined && (k < 1 || k > 100)) throw new UsageError('--k must be from 1 to 100', querySpec.usage);
  const question = positionals[0].trim();
  if (!question) throw new UsageError('the question is empty', querySpec.usage);
  const config = configFrom(context, values, {}, querySpec.usage);
  const engine = await createEngine(config, { writable: false, onNotice: (message) => context.logger.info(message) });
  try {
    const response = await engine.search(question, k);
    context.stdout.write(values.json ? `${JSON.stringify(response)}\n` : formatResults(response, context.columns));
  } finally {
    engine.close();
  }
  return 0;
}
