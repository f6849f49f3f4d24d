/**
 * What IT does with batches the cloud refused for good (the uplink quarantined them):
 * look at them, and once the cause is fixed on the cloud side (a bug, a schema or a
 * limit), send them again. Re-sending puts the batch back to 'pending' with the SAME
 * seq and content, so the cloud's exactly-once ledger still applies: a batch the cloud
 * did store after all is answered as a duplicate. The running daemon's uplink picks
 * pending batches from the database, so a re-send from the CLI needs no restart.
 */
import { BatchNotQuarantinedError, UnknownBatchError } from '@wardlink/shared';
import type { BufferStore } from './store.js';

export interface RequeueResult {
  seq: number;
  readings: number;
  alarms: number;
  /** Why the cloud had refused it. */
  previousReason: string | null;
}

export class QuarantineDesk {
  private readonly s;

  constructor(private readonly store: BufferStore) {
    const db = store.db;
    this.s = {
      batch: db.prepare('SELECT seq, state, reading_count, alarm_count, last_error FROM outbox_batches WHERE seq = ?'),
      requeue: db.prepare(
        "UPDATE outbox_batches SET state = 'pending', settled_at_ms = NULL, attempts = 0, last_error = ? WHERE seq = ? AND state = 'quarantined'",
      ),
      allSeqs: db.prepare("SELECT seq FROM outbox_batches WHERE state = 'quarantined' ORDER BY seq").pluck(),
    };
  }

  /** Every quarantined seq, oldest first. */
  seqs(): number[] {
    return this.s.allSeqs.all() as number[];
  }

  /** Puts a quarantined batch back in the queue; throws for any other state. */
  requeue(seq: number, actor: string): RequeueResult {
    const result = this.store.db
      .transaction((): RequeueResult => {
        const row = this.s.batch.get(seq) as { seq: number; state: string; reading_count: number; alarm_count: number; last_error: string | null } | undefined;
        if (!row) throw new UnknownBatchError(seq);
        if (row.state !== 'quarantined') throw new BatchNotQuarantinedError(seq, row.state);
        this.s.requeue.run(`re-sent by ${actor}; was quarantined: ${row.last_error ?? 'no reason recorded'}`.slice(0, 500), seq);
        return { seq, readings: row.reading_count, alarms: row.alarm_count, previousReason: row.last_error };
      })
      .immediate();
    this.store.tally.add(result.readings);
    this.store.logger.warn({ seq, readings: result.readings, alarms: result.alarms, actor, previousReason: result.previousReason }, 'quarantined outbox batch put back to be sent again');
    return result;
  }
}
