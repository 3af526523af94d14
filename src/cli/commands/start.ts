import { fileURLToPath } from 'node:url';
import { indexLocation } from '../../engine.js';
import { openNewsq } from '../../newsq.js';
import { COMMON_OPTIONS, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';
import { serveIndex, serveOverrides } from './serve.js';

/** The demo corpus shipped with newsq. */
export const SAMPLE_ARTICLES = fileURLToPath(new URL('../../../data/articles', import.meta.url));

export const startSpec: CommandSpec = {
  usage: `Usage: newsq start [--port 8787] [--host 127.0.0.1] [--index-dir DIR] [--rebuild]

Indexes the bundled sample articles (only what is new or changed) and serves them. What npm start runs.`,
  options: { ...COMMON_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, rebuild: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
};

export async function runStart(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(startSpec, argv);
  if (values.help) return help(context, startSpec);
  const config = configFrom(context, values, serveOverrides(values, startSpec.usage), startSpec.usage);
  const newsq = await openNewsq({ settings: config, rebuild: Boolean(values.rebuild), onNotice: (message) => context.logger.info(message) });
  let summary;
  try {
    summary = await newsq.index([SAMPLE_ARTICLES]);
  } catch (error) {
    await newsq.close();
    throw error;
  }
  context.stdout.write(
    `sample articles in ${indexLocation(config)}: ${summary.articles} (${summary.added} added, ${summary.updated} updated, ` +
      `${summary.unchanged} unchanged; ${summary.embedded} passages embedded)\n`,
  );
  for (const { path, reason } of summary.skipped) context.stdout.write(`skipped ${path}: ${reason}\n`);
  return serveIndex(newsq, config, context);
}
