/**
 * The buffer's hot queries use the indexes the schema was designed for (EXPLAIN QUERY
 * PLAN), so a schema edit that silently turns one into a full scan fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBufferStore, type BufferStore } from './store.js';
import { tempDir, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
let store: BufferStore;
beforeAll(() => {
  dir = tempDir();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
});
afterAll(() => {
  store.close();
  dir.remove();
});

function plan(sql: string): string {
  const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
}

describe('buffer query plans', () => {
  it.each([
    ['a run of unbatched readings', 'SELECT * FROM reading_records WHERE id >= 1 AND id < 100 ORDER BY id DESC LIMIT 100', /INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/],
    ['the batched range covering a row', 'SELECT first_id, last_id FROM outbox_spans WHERE first_id <= 5 ORDER BY first_id DESC LIMIT 1', /INTEGER PRIMARY KEY \(rowid<\?\)/],
    ['a batch\'s readings', 'SELECT * FROM reading_records WHERE id BETWEEN 1 AND 100 AND (batch_seq IS NULL OR batch_seq = 3)', /INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/],
    [
      'retention prune and eviction: sent batches, oldest first',
      "SELECT seq FROM outbox_batches WHERE state IN ('sent', 'evicted') AND state = 'sent' AND first_reading_id IS NOT NULL AND settled_at_ms < 5 ORDER BY settled_at_ms",
      /outbox_batches_settled/,
    ],
    [
      'local trend view of one bed: the deferred index, then the rows above its mark (trend-index.ts)',
      "SELECT r.device_time_ms FROM reading_trend AS t JOIN reading_records AS r ON r.id = t.id WHERE t.bed_id = 'bed-1' AND t.device_time_ms >= 1 AND t.device_time_ms < 2 AND t.id <= 5 UNION ALL SELECT device_time_ms FROM reading_records WHERE id > 5 AND bed_id = 'bed-1'",
      /SEARCH t USING PRIMARY KEY \(bed_id=\? AND device_time_ms>\? AND device_time_ms<\?\).*SEARCH r USING INTEGER PRIMARY KEY \(rowid=\?\).*SEARCH reading_records USING INTEGER PRIMARY KEY \(rowid>\?\)/,
    ],
    ['unbatched alarm events', 'SELECT * FROM alarm_events WHERE batch_seq IS NULL ORDER BY time_ms, id LIMIT 10', /alarm_events_unbatched/],
    ['a batch\'s alarm events', 'SELECT * FROM alarm_events WHERE batch_seq = 3 ORDER BY time_ms, id', /alarm_events_batch/],
    ['pending batches', "SELECT seq FROM outbox_batches WHERE state = 'pending' ORDER BY seq", /outbox_batches_pending/],
  ])('%s', (_name, sql, expected) => {
    const p = plan(sql);
    expect(p).toMatch(expected);
    expect(p).not.toMatch(/SCAN reading_records$|SCAN reading_records \||SCAN outbox_spans|USE TEMP B-TREE/);
  });
});
