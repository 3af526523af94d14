import { leafPaths, lookup } from '../../config.js';
import { COMMON_OPTIONS, parseCommand, type CommandSpec } from '../args.js';
import { configWithSources, help, readConfigFile, type CliContext } from '../context.js';
import { serveOverrides } from './serve.js';

export const configSpec: CommandSpec = {
  usage: `Usage: newsq config [--json] [--index-dir DIR] [--model ID] [--dtype q8|fp32] [--port P] [--host H]

Prints the effective configuration and where each value came from: the default, the config file
(newsq.config.json in the working folder, or NEWSQ_CONFIG), the environment, or a flag. The API
key is shown as "(set)", a database URL without its password.`,
  options: { ...COMMON_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
};

export function runConfig(argv: string[], context: CliContext): number {
  const { values } = parseCommand(configSpec, argv);
  if (values.help) return help(context, configSpec);
  const { config, sources } = configWithSources(context, values, serveOverrides(values, configSpec.usage), configSpec.usage);
  const shown = { ...config, ...(config.apiKey && { apiKey: '(set)' }), store: config.store.kind === 'postgres' ? { ...config.store, url: withoutPassword(config.store.url) } : config.store };
  const file = readConfigFile(context)?.path ?? null;
  if (values.json) {
    context.stdout.write(`${JSON.stringify({ config: shown, sources, file })}\n`);
    return 0;
  }
  const paths = leafPaths(shown);
  const width = Math.max(...paths.map((path) => path.length));
  for (const path of paths) context.stdout.write(`${path.padEnd(width)}  ${JSON.stringify(lookup(shown, path))}  (${sources[path]})\n`);
  context.stdout.write(`config file: ${file ?? 'none (newsq.config.json in the working folder, or NEWSQ_CONFIG)'}\n`);
  return 0;
}

/** A database URL with its password, if any, replaced by "(set)". */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '(set)';
    return parsed.toString();
  } catch {
    return '(set)';
  }
}
