import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The bundled sample articles (the demo corpus). */
export const SAMPLES = join(ROOT, 'data', 'articles');
/** Shared test data beside the project, which tests may read but never need. */
export const SHARED = join(ROOT, '..', 'shared');
export const hasShared = existsSync(join(SHARED, 'eval'));

/** The sample articles as [file name, content] pairs. */
export function sampleFiles(): [string, string][] {
  return readdirSync(SAMPLES)
    .sort()
    .map((name) => [name, readFileSync(join(SAMPLES, name), 'utf8')]);
}

/** A fresh temporary folder, removed when the current test finishes (call it inside a test). */
export function tempDir(prefix = 'newsq-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
