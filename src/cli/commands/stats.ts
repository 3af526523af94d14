import { indexLocation, inspectIndex } from '../../engine.js';
import { COMMON_OPTIONS, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const statsSpec: CommandSpec = {
  usage: `Usage: newsq stats [--json] [--index-dir DIR]

Prints the size of an index: articles, passages, model, dimensions and bytes on disk.`,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
};

export async function runStats(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(statsSpec, argv);
  if (values.help) return help(context, statsSpec);
  const config = configFrom(context, values, {}, statsSpec.usage);
  const stats = await inspectIndex(config);
  if (values.json) context.stdout.write(`${JSON.stringify(stats)}\n`);
  else {
    context.stdout.write(
      `${stats.articles} articles, ${stats.passages} passages in ${indexLocation(config)}\n` +
        `model ${stats.model}, ${stats.dimensions} dimensions, ${(stats.bytes / 1048576).toFixed(1)} MB on disk\n`,
    );
  }
  return 0;
}
