import { loadEmbedder } from '../../engine.js';
import { COMMON_OPTIONS, parseCommand, type CommandSpec } from '../args.js';
import { configFrom, help, type CliContext } from '../context.js';

export const embedSpec: CommandSpec = {
  usage: `Usage: newsq embed "<text>" [--dtype q8|fp32] [--model ID] [--json]

Prints the embedding of a text: model, dtype, dimensions and the vector.`,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
};

export async function runEmbed(argv: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(embedSpec, argv);
  if (values.help) return help(context, embedSpec);
  const config = configFrom(context, values, {}, embedSpec.usage);
  const embedder = await loadEmbedder(config);
  const [vector] = await embedder.embed([positionals[0]]);
  const output = { model: embedder.model, dtype: embedder.dtype, dimensions: embedder.dimensions, vector: Array.from(vector) };
  if (values.json) context.stdout.write(`${JSON.stringify(output)}\n`);
  else {
    const head = output.vector.slice(0, 8).map((x) => x.toFixed(4)).join(', ');
    context.stdout.write(`${output.model} (${output.dtype}), ${output.dimensions} dimensions\n[${head}, …]\n`);
  }
  return 0;
}
