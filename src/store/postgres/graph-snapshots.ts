import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphSnapshots } from '../vector/graph-source.js';
import { VectorIndex, type HnswSettings } from '../vector/vector-index.js';
import type { Connection } from './connection.js';
import type { PostgresLog } from './log.js';

// A value of `bytea` holds at most 1 GB, and a graph of 1M passages is about 1.6 GB: saved in chunks.
const CHUNK_BYTES = 64 * 1024 * 1024;
// Saving a graph, one process at a time (an advisory lock's key).
const SAVE_LOCK = 7_412_002;

/**
 * Saved graphs in the database, where every replica can read them: a snapshot row (generation,
 * live passages) and its chunks, written in one transaction, so a snapshot is there whole or not
 * at all. hnswlib reads and writes files, so a graph passes through a temporary file.
 */
export function databaseGraphs(db: Connection, log: PostgresLog, dimensions: number, hnsw: HnswSettings): GraphSnapshots {
  const withTempFile = async <T>(work: (path: string) => Promise<T>): Promise<T> => {
    const dir = await mkdtemp(join(tmpdir(), 'newsq-graph-'));
    try {
      return await work(join(dir, 'graph.hnsw'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  return {
    async latest() {
      const [row] = await db.rows<{ generation: number | null }>('SELECT MAX(generation) AS generation FROM graph_snapshots');
      return row.generation;
    },
    load: (generation) =>
      withTempFile(async (path) => {
        const found = await db.transaction(async (tx) => {
          const [snapshot] = await tx.rows<{ live: number }>('SELECT live FROM graph_snapshots WHERE generation = $1', [generation]);
          if (!snapshot) return null;
          const file = await open(path, 'w');
          try {
            // A chunk at a time: the whole graph is never held twice.
            for (let chunk = 0; ; chunk++) {
              const [row] = await tx.rows<{ data: Buffer }>('SELECT data FROM graph_chunks WHERE generation = $1 AND chunk = $2', [generation, chunk]);
              if (!row) break;
              await file.write(row.data);
            }
          } finally {
            await file.close();
          }
          return snapshot.live;
        }, 'snapshot');
        return found === null ? null : VectorIndex.load(path, dimensions, hnsw, found).catch(() => null);
      }),
    async save(generation, graph) {
      await withTempFile(async (path) => {
        await graph.save(path);
        const saved = await db.transaction(async (tx) => {
          const [{ locked }] = await tx.rows<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SAVE_LOCK]);
          if (!locked) return false;
          await tx.rows('DELETE FROM graph_chunks WHERE generation = $1', [generation]);
          await tx.rows('DELETE FROM graph_snapshots WHERE generation = $1', [generation]);
          const file = await open(path, 'r');
          let bytes = 0;
          try {
            const buffer = Buffer.alloc(CHUNK_BYTES);
            for (let chunk = 0; ; chunk++) {
              const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, bytes);
              if (bytesRead === 0) break;
              await tx.rows('INSERT INTO graph_chunks (generation, chunk, data) VALUES ($1, $2, $3)', [generation, chunk, buffer.subarray(0, bytesRead)]);
              bytes += bytesRead;
            }
          } finally {
            await file.close();
          }
          await tx.rows('INSERT INTO graph_snapshots (generation, live, bytes) VALUES ($1, $2, $3)', [generation, graph.size, bytes]);
          // Older snapshots: a reader loading one now has it in its own transaction's snapshot.
          await tx.rows('DELETE FROM graph_chunks WHERE generation < $1', [generation]);
          await tx.rows('DELETE FROM graph_snapshots WHERE generation < $1', [generation]);
          return true;
        });
        if (saved) await log.saved(generation);
      });
    },
  };
}
