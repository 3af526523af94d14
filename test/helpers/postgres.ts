import { afterAll } from 'vitest';
import { startPostgres, type TestPostgres } from './start-postgres.js';

export { freePort, startPostgres, type TestPostgres } from './start-postgres.js';

/** One server for the test file that calls this, started when first asked for and stopped after its tests. */
export function postgresForFile(): () => Promise<TestPostgres> {
  let started: Promise<TestPostgres> | null = null;
  afterAll(async () => {
    if (started) await (await started).stop();
  }, 30_000);
  return () => (started ??= startPostgres());
}
