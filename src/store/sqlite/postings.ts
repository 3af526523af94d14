import type Database from 'better-sqlite3';
import type { StoredPostings } from '../lexical/lexical-index.js';
import { decodeSegmentInto, encodeSegment, type PostingsBatch } from '../codecs.js';

// Passages removed since the postings were last compacted, past which (and past a share of the
// passages there are) they are compacted: their postings stay behind until then, unread.
const COMPACT_AFTER = 1000;
const COMPACT_SHARE = 0.25;

/**
 * The word index in SQLite: each commit writes, for each term it holds, one row of its postings
 * (a segment: passage ids ascending, delta-coded, with the counts), so a commit of thousands of
 * passages writes thousands of rows, not millions. A term's postings are its segments read in
 * order (passage ids only grow). Removing a passage leaves its postings in place: readers keep
 * only passages that exist, and {@link Postings.compact} drops them once there are many.
 */
export interface Postings {
  /** Writes a commit's postings as one segment per term (inside the commit's transaction). */
  write(batch: PostingsBatch, segment: number): void;
  /** A term's postings, passage ids ascending; removed passages may still be among them. */
  read(term: string): StoredPostings;
  /** Notes that passages were removed (inside the commit's transaction). */
  removed(count: number): void;
  /** Rewrites each term's postings as one segment of existing passages, when enough were removed. */
  compact(): void;
}

export function openPostings(db: Database.Database): Postings {
  const statements = {
    insert: db.prepare('INSERT INTO postings (term_id, segment, data) VALUES (?, ?, ?)'),
    read: db.prepare<[string], [Buffer]>('SELECT data FROM postings WHERE term_id = (SELECT id FROM terms WHERE term = ?) ORDER BY segment').raw(),
    all: db.prepare<[], [number, number, Buffer]>('SELECT term_id, segment, data FROM postings ORDER BY term_id, segment').raw(),
    deleteTerm: db.prepare('DELETE FROM postings WHERE term_id = ?'),
    garbage: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'postings_garbage'"),
    addGarbage: db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'postings_garbage'"),
    clearGarbage: db.prepare("UPDATE meta SET value = '0' WHERE key = 'postings_garbage'"),
    passageIds: db.prepare<[], [number]>('SELECT id FROM passages').raw(),
  };
  return {
    write(batch, segment) {
      // In key order: neighbouring rows of the table are written one after another.
      for (const termId of [...batch.keys()].sort((a, b) => a - b)) statements.insert.run(termId, segment, encodeSegment(batch.get(termId)!));
    },
    read(term) {
      const postings: StoredPostings = { ids: [], inText: [], inTitle: [] };
      for (const [data] of statements.read.all(term)) decodeSegmentInto(data, postings);
      return postings;
    },
    removed(count) {
      if (count > 0) statements.addGarbage.run(count);
    },
    compact: db.transaction(() => {
      // Most calls end here, reading one row: the write API calls this after every write.
      const garbage = Number(statements.garbage.get()!.value);
      if (garbage < COMPACT_AFTER) return;
      const live = new Set(statements.passageIds.all().map(([id]) => id));
      if (garbage < live.size * COMPACT_SHARE) return;
      let term = -1;
      let merged: StoredPostings & { segment: number } = { ids: [], inText: [], inTitle: [], segment: 0 };
      const rewrite = () => {
        if (term < 0) return;
        statements.deleteTerm.run(term);
        const triples: number[] = [];
        for (let i = 0; i < merged.ids.length; i++) {
          if (live.has(merged.ids[i])) triples.push(merged.ids[i], merged.inText[i], merged.inTitle[i]);
        }
        if (triples.length > 0) statements.insert.run(term, merged.segment, encodeSegment(triples));
      };
      for (const [termId, segment, data] of statements.all.all()) {
        if (termId !== term) {
          rewrite();
          term = termId;
          merged = { ids: [], inText: [], inTitle: [], segment };
        }
        decodeSegmentInto(data, merged);
        merged.segment = segment;
      }
      rewrite();
      statements.clearGarbage.run();
    }),
  };
}
