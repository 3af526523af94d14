import type { Config } from '../config.js';
import type { IndexIdentity } from './manifest.js';
import { createMemoryStore } from './memory/memory-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** What the index must have been built with; null to open whatever is there (inspection). */
  identity: IndexIdentity | null;
  /**
   * Whether this store writes for its whole life (`index`): it holds the write lock from open to
   * close, and may create the index or, with `reset`, start it afresh. Otherwise each writer takes
   * the lock for its own life, and an index that does not exist opens as null.
   */
  owner: boolean;
  reset?: boolean;
  onNotice?: (message: string) => void;
}

/** Opens the store the config names (`store.kind`): the one place a backend is chosen. */
export async function openStore(config: Pick<Config, 'store' | 'indexDir' | 'hnsw' | 'search'>, options: OpenStoreOptions): Promise<Store | null> {
  const { titleWeight } = config.search;
  switch (config.store.kind) {
    case 'sqlite':
      return openSqliteStore({ dir: config.indexDir, hnsw: config.hnsw, titleWeight, ...options });
    case 'postgres':
      return openPostgresStore({ ...config.store, hnsw: config.hnsw, titleWeight, ...options });
    case 'memory':
      return options.identity ? createMemoryStore(options.identity, titleWeight) : null;
  }
}
