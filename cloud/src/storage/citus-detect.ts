/**
 * Whether a pool's database runs Citus, asked once per pool: for the few statements that
 * need another shape on a distributed schema (the loader's staging path), so that a plain
 * PostgreSQL keeps its own statements and plans and pays one query per process for the
 * question.
 */
import type pg from 'pg';
import { hasCitus } from './citus.js';

const answers = new WeakMap<pg.Pool, Promise<boolean>>();

export function poolHasCitus(pool: pg.Pool): Promise<boolean> {
  let answer = answers.get(pool);
  if (answer === undefined) {
    answer = hasCitus(pool);
    answers.set(pool, answer);
    // A failed question (the database down) is asked again next time, not remembered.
    answer.catch(() => answers.delete(pool));
  }
  return answer;
}
