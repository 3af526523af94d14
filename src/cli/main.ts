import { errorCodes, isNewsqError } from '../errors.js';
import { UsageError } from './args.js';
import { runConfig } from './commands/config.js';
import { runEmbed } from './commands/embed.js';
import { runEval } from './commands/eval.js';
import { runFollow } from './commands/follow.js';
import { runIndex } from './commands/index-articles.js';
import { runQuery } from './commands/query.js';
import { runRemove } from './commands/remove.js';
import { runServe } from './commands/serve.js';
import { runStart } from './commands/start.js';
import { runStats } from './commands/stats.js';
import { processContext, type CliContext } from './context.js';

const COMMANDS: Record<string, (argv: string[], context: CliContext) => number | Promise<number>> = {
  index: runIndex,
  follow: runFollow,
  query: runQuery,
  serve: runServe,
  start: runStart,
  stats: runStats,
  embed: runEmbed,
  eval: runEval,
  remove: runRemove,
  config: runConfig,
};

const USAGE = `Usage: newsq <command> [options]

Commands:
  index <file-or-folder>...  index news articles (a sync: re-running embeds only what changed)
  follow <feed>...           index feeds' new items as they appear, until stopped
  query "<question>"         print the passages that answer a question
  remove <id>...             remove articles from the index
  serve                      serve the index over HTTP
  start                      index the bundled sample articles and serve them
  stats                      print the size of the index
  embed "<text>"             print the embedding of a text
  eval <collection-dir>      measure retrieval quality on a BEIR-style test collection
  config                     print the effective configuration and where each value came from

Run newsq <command> --help for a command's options.`;

/**
 * Runs one CLI invocation and returns its exit code: 0 on success, 2 for a usage mistake (with
 * the usage printed), 1 for any other error, always as one line with no stack trace.
 */
export async function main(argv: string[], context: CliContext = processContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    context.stderr.write(`newsq: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr.write(`newsq ${name}: ${error.message}\n\n${error.usage}\n`);
      return 2;
    }
    if (isNewsqError(error)) {
      context.stderr.write(`newsq ${name}: ${error.message}\n`);
      return errorCodes[error.code].exit;
    }
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      context.stderr.write(`newsq ${name}: cannot listen: ${message}\n`);
      return 1;
    }
    context.logger.error(`newsq ${name} failed`, { error: (error as Error).stack ?? String(error) });
    context.stderr.write(`newsq ${name}: internal error: ${message ?? String(error)}\n`);
    return 1;
  }
}
