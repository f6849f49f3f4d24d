/** What every read route needs. `pool` is the REPLICA pool (the primary's when no replica
 * is configured): reads must never compete with ingest for the primary's connections. */
import type pg from 'pg';
import type { Clock } from '@wardlink/shared';
import type { CloudMetrics } from '../../../observability/metrics.js';
import type { ReaderAuthenticator } from '../../auth/reader-authenticator.js';
import type { ArchiveStore } from '../../../lifecycle/store/archive-store.js';
import type { ReadRouting } from '../../../storage/replica/read-routing.js';

export interface ReadRouteDeps {
  pool: pg.Pool;
  readers: ReaderAuthenticator;
  metrics: CloudMetrics;
  clock: Clock;
  historyMaxDays: number;
  historyMaxRows: number;
  /** Where archived days are read from (the lifecycle's store); without one, a range
   * reaching an archived day is 503 WL_HISTORY_ARCHIVE_UNAVAILABLE. */
  archive?: ArchiveStore;
  /** With a replica: each read request's route (replica or primary), answered in its
   * headers; `pool` is then this routing's pool. */
  routing?: ReadRouting;
}
