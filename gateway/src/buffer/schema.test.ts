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
    ['oldest unbatched readings', 'SELECT * FROM reading_records WHERE batch_seq IS NULL ORDER BY id LIMIT 100', /reading_records_unbatched/],
    ['newest unbatched readings', 'SELECT * FROM reading_records WHERE batch_seq IS NULL ORDER BY id DESC LIMIT 100', /reading_records_unbatched/],
    ['a batch\'s readings', 'SELECT * FROM reading_records WHERE id BETWEEN 1 AND 100 AND batch_seq = 3', /INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/],
    [
      'retention prune',
      'SELECT id FROM reading_records WHERE uploaded_at_ms IS NOT NULL AND received_at_ms < 5 ORDER BY received_at_ms LIMIT 10',
      /reading_records_uploaded_age/,
    ],
    ['eviction of uploaded rows', 'SELECT id FROM reading_records WHERE uploaded_at_ms IS NOT NULL ORDER BY received_at_ms LIMIT 10', /reading_records_uploaded_age/],
    [
      'local trend view of one bed (its metric is picked out of items)',
      "SELECT device_time_ms, items FROM reading_records WHERE bed_id = 'bed-1' AND device_time_ms BETWEEN 1 AND 2 ORDER BY device_time_ms",
      /reading_records_trend \(bed_id=\? AND device_time_ms>\? AND device_time_ms<\?\)/,
    ],
    ['unbatched alarm events', 'SELECT * FROM alarm_events WHERE batch_seq IS NULL ORDER BY time_ms, id LIMIT 10', /alarm_events_unbatched/],
    ['a batch\'s alarm events', 'SELECT * FROM alarm_events WHERE batch_seq = 3 ORDER BY time_ms, id', /alarm_events_batch/],
    ['pending batches', "SELECT seq FROM outbox_batches WHERE state = 'pending' ORDER BY seq", /outbox_batches_pending/],
  ])('%s', (_name, sql, expected) => {
    const p = plan(sql);
    expect(p).toMatch(expected);
    expect(p).not.toMatch(/SCAN reading_records$|SCAN reading_records \||USE TEMP B-TREE/);
  });
});
