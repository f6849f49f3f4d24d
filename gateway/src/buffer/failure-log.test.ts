import { describe, expect, it } from 'vitest';
import { CommitFailureLog } from './failure-log.js';

const diskFull = Object.assign(new Error('disk full'), { code: 'WL_BUFFER_DISK_FULL' });
const locked = Object.assign(new Error('locked'), { code: 'WL_BUFFER_LOCKED' });

describe('CommitFailureLog', () => {
  it('logs the first failure of a code at once, repeats once a minute with the count not logged, and news after a success', () => {
    const lines: object[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (o: object) => lines.push(o) };
    let now = 0;
    const log = new CommitFailureLog(logger, () => now, 60_000);
    log.failed(diskFull, 10);
    for (let i = 0; i < 11; i++) {
      now += 5_000; // an alarm-record retry every 5 s
      log.failed(diskFull, 1);
    }
    expect(lines).toEqual([{ err: diskFull, code: 'WL_BUFFER_DISK_FULL', rows: 10 }]);
    now += 5_000; // 60 s after the first line
    log.failed(diskFull, 1);
    expect(lines[1]).toEqual({ err: diskFull, code: 'WL_BUFFER_DISK_FULL', rows: 1, notLoggedSinceLast: 11 });
    log.failed(locked, 3); // another code is news
    expect(lines).toHaveLength(3);
    log.succeeded();
    log.failed(diskFull, 2); // failing again after a success is news
    expect(lines).toHaveLength(4);
  });
});
