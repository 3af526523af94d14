import { join } from 'node:path';
import { resolveConfig } from '../src/config.js';
import { ensureBundledModel } from '../src/embed/model-cache.js';

/** Converts the bundled model once before the suite, so test files do not race to do it. */
export default function setup(): void {
  ensureBundledModel(join(resolveConfig(process.env, {}).cacheDir, 'models'));
}
