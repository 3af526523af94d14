import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { GraphSnapshots } from '../vector/graph-source.js';
import { VectorIndex, type HnswSettings } from '../vector/vector-index.js';
import type { Connection } from './connection.js';
import { copiedValues } from './copy-binary.js';
import type { PostgresLog } from './log.js';

// A graph of 1M passages is about 1.6 GB, and a `bytea` value holds at most 1 GB: saved in chunks
// of 1 MB, stored uncompressed (schema.ts), and read back by a binary COPY: raw bytes, where a
// query sends `bytea` as hex text. Measured reading a 160 MB graph: 0.2 s, against 1.1 s for the
// chunks read three at a time as base64 and 2.2 s as hex.
const CHUNK_BYTES = 1024 * 1024;
// Saving a graph, one process at a time (an advisory lock's key).
const SAVE_LOCK = 7_412_002;
// Bringing the saved graph up to date, one process at a time (an advisory lock's key).
const UPDATE_LOCK = 7_412_003;

/**
 * Runs `update` (bring the saved graph up to date: build or catch up a graph, then save it) unless
 * another process is doing so now; then leaves it to that one: what was committed after the graph
 * it saves, a reader replays from the log. Two workers that end a job together build it once. The
 * lock is the session's, on a connection of its own: a process that dies lets go of it.
 */
export async function updateInTurn(db: Connection, update: () => Promise<void>): Promise<void> {
  const client = await db.client();
  let broken = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [UPDATE_LOCK]);
    if (!rows[0].locked) return;
    try {
      await update();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [UPDATE_LOCK]).catch(() => (broken = true));
    }
  } finally {
    client.release(broken);
  }
}

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
        const [snapshot] = await db.rows<{ live: number; bytes: number }>('SELECT live, bytes FROM graph_snapshots WHERE generation = $1', [generation]);
        if (!snapshot) return null;
        // One statement sees one moment: every chunk, or none when a newer snapshot replaced
        // this one since. Streamed to the file as it comes, never held whole in memory.
        const client = await db.client();
        let bytes = 0;
        // A connection left in the middle of a COPY is not lent again.
        let broken = false;
        try {
          const copy = client.query(copyTo(`COPY (SELECT data FROM graph_chunks WHERE generation = ${Number(generation)} ORDER BY chunk) TO STDOUT (FORMAT binary)`));
          const file = createWriteStream(path);
          await pipeline(copiedValues(copy), async function* (values) {
            for await (const value of values) {
              bytes += value.length;
              yield value;
            }
          }, file);
        } catch (error) {
          broken = true;
          throw error;
        } finally {
          client.release(broken);
        }
        if (bytes !== snapshot.bytes) return null;
        return VectorIndex.load(path, dimensions, hnsw, snapshot.live).catch(() => null);
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
