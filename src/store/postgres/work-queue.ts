import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PreparedArticle } from '../../ingest/prepare.js';
import type { ArticleWrite, Claim, JobProgress, WorkQueue } from '../store.js';
import { retryWhileUnreachable, type Connection, type Queryable } from './connection.js';

export interface QueueSettings {
  /** How long a claim holds without being renewed: how soon a dead worker's batch is taken over. */
  claimSeconds: number;
  /** About how many passages a claim takes. */
  claimPassages: number;
  /** How long a queue operation retries while the database cannot be reached (a restart, a failover). */
  retryMs: number;
  onNotice?: (message: string) => void;
}

// Rows a claim looks at to fill its batch.
const CLAIM_ROWS = 512;
// Passages a claim takes at least, when that many wait: a model batch's worth.
const SMALLEST_CLAIM = 32;
// Rows queued in one statement.
const PAGE = 500;

/**
 * The `embed_queue` table: articles waiting to be embedded, claimed by workers in batches with
 * `FOR UPDATE SKIP LOCKED` (two workers never take the same free row), held until a time the
 * worker keeps pushing back. `commit` writes a batch through `write`, which checks in the same
 * transaction which of its articles the worker still holds.
 */
export function openWorkQueue(db: Connection, settings: QueueSettings, write: (writes: ArticleWrite[], holder: string) => Promise<string[]>): WorkQueue {
  const retrying = <T>(what: string, operation: () => Promise<T>): Promise<T> => retryWhileUnreachable(what, operation, settings.retryMs, settings.onNotice);

  return {
    enqueue: (articles) =>
      retrying('queueing', async () => {
        for (let first = 0; first < articles.length; first += PAGE) {
          const page = articles.slice(first, first + PAGE);
          // Queued again with new content, an article is free again; with the same, it stays as it is
          // (waiting, held by a worker, or done by one since this sync read the stored versions),
          // unless it is marked done but not stored as it is (removed since, by another sync).
          await db.rows(
            `INSERT INTO embed_queue (article_id, origin, hash, prepared, passages)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::int[])
             ON CONFLICT (article_id) DO UPDATE SET origin = excluded.origin, hash = excluded.hash, prepared = excluded.prepared,
               passages = excluded.passages, queued_at = now(), claimed_by = NULL, claimed_until = NULL, done = false
             WHERE embed_queue.hash <> excluded.hash
               OR (embed_queue.done AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = excluded.article_id AND a.hash = excluded.hash))`,
            [
              page.map((queued) => queued.prepared.article.id),
              page.map((queued) => queued.origin),
              page.map((queued) => queued.hash),
              page.map((queued) => JSON.stringify(queued.prepared)),
              page.map((queued) => queued.prepared.passages.length),
            ],
          );
        }
      }),
    waiting: (ids) =>
      retrying('reading the queue', async () => {
        const rows = await db.rows<{ article_id: string; hash: string }>('SELECT article_id, hash FROM embed_queue WHERE article_id = ANY($1::text[]) AND NOT done', [ids]);
        return new Map(rows.map((row) => [row.article_id, row.hash]));
      }),
    forget: (origins, keep) =>
      retrying('forgetting', async () => {
        await db.rows('DELETE FROM embed_queue WHERE origin = ANY($1::text[]) AND NOT done AND NOT (article_id = ANY($2::text[]))', [origins, keep]);
      }),
    claim: (origins) =>
      retrying('claiming', () =>
        db.transaction(async (tx) => {
          const free = await tx.rows<{ article_id: string; passages: number }>(
            `SELECT article_id, passages FROM embed_queue WHERE NOT done AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY origin = ANY($1::text[]) DESC, seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [origins, CLAIM_ROWS],
          );
          if (free.length === 0) return null;
          // Near the end, a quarter of what waits: workers then finish together, not one waiting on another's last batch.
          const waiting = free.reduce((sum, row) => sum + row.passages, 0);
          const target = Math.min(settings.claimPassages, Math.max(SMALLEST_CLAIM, Math.ceil(waiting / 4)));
          let passages = 0;
          const batch = free.filter((row) => (passages += row.passages) - row.passages < target);
          const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
          const rows = await tx.rows<{ origin: string; hash: string; prepared: PreparedArticle }>(
            `UPDATE embed_queue SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
             WHERE article_id = ANY($3::text[]) RETURNING origin, hash, prepared`,
            [holder, settings.claimSeconds, batch.map((row) => row.article_id)],
          );
          const claim: Claim = {
            articles: rows,
            async keep(work) {
              // Renewed three times a claim's life: a renewal lost to a broken connection is not the end of it.
              const renewal = setInterval(() => {
                db.rows('UPDATE embed_queue SET claimed_until = now() + make_interval(secs => $2) WHERE claimed_by = $1 AND NOT done', [holder, settings.claimSeconds]).catch(() => {});
              }, (settings.claimSeconds * 1000) / 3);
              try {
                return await work();
              } finally {
                clearInterval(renewal);
              }
            },
            commit: (writes) => retrying('committing', () => write(writes, holder)),
          };
          return claim;
        }),
      ),
    progress: (origins) =>
      retrying('reading progress', async () => {
        const [row] = await db.rows<{ articles: number; articles_done: number; passages: number | null; passages_done: number | null; started: Date | null }>(
          `SELECT COUNT(*) AS articles, COUNT(*) FILTER (WHERE done) AS articles_done, SUM(passages) AS passages,
                  SUM(passages) FILTER (WHERE done) AS passages_done, MIN(queued_at) AS started
           FROM embed_queue WHERE origin = ANY($1::text[])`,
          [origins],
        );
        const progress: JobProgress = {
          articles: row.articles,
          articlesDone: row.articles_done,
          passages: row.passages ?? 0,
          passagesDone: row.passages_done ?? 0,
          startedAt: row.started?.getTime() ?? null,
        };
        return progress;
      }),
  };
}

/**
 * In a commit's transaction: marks done the articles of `ids` that `holder` still holds and
 * returns them; when that leaves none of their origins' articles waiting, the job is over and its
 * rows go. Commits are serialised, so the last batch of a job sees every other one done.
 */
export async function finishClaimed(tx: Queryable, ids: string[], holder: string): Promise<Set<string>> {
  const rows = await tx.rows<{ article_id: string; origin: string }>(
    'UPDATE embed_queue SET done = true, claimed_until = NULL WHERE article_id = ANY($1::text[]) AND claimed_by = $2 AND NOT done RETURNING article_id, origin',
    [ids, holder],
  );
  const origins = [...new Set(rows.map((row) => row.origin))];
  if (origins.length > 0) {
    await tx.rows(
      `DELETE FROM embed_queue q WHERE q.origin = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM embed_queue w WHERE w.origin = q.origin AND NOT w.done)`,
      [origins],
    );
  }
  return new Set(rows.map((row) => row.article_id));
}
