import { NewsqError } from '../../errors.js';
import { openNewsq } from '../../newsq.js';
import { COMMON_OPTIONS, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const removeSpec: CommandSpec = {
  usage: `Usage: newsq remove <id>... [--index-dir DIR] [--json]

Removes articles (and their passages) from the index by id, as shown in results' article.id.`,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
  positionals: { min: 1, max: Infinity },
};

export async function runRemove(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(removeSpec, argv);
  if (values.help) return help(context, removeSpec);
  const config = configFrom(context, values, {}, removeSpec.usage);
  const newsq = await openNewsq({ settings: config, create: false, onNotice: (message) => context.logger.info(message) });
  let removed: string[];
  try {
    removed = await newsq.remove(positionals);
  } finally {
    await newsq.close();
  }
  const missing = positionals.filter((id) => !removed.includes(id));
  if (values.json) context.stdout.write(`${JSON.stringify({ removed, missing })}\n`);
  else if (removed.length > 0) context.stdout.write(`removed ${removed.join(', ')}\n`);
  if (missing.length > 0 && !values.json) throw new NewsqError('not_found', `no article with id ${missing.map((id) => JSON.stringify(id)).join(', ')}`);
  return missing.length > 0 ? 1 : 0;
}
