/**
 * The messages between the main thread (commit-thread.ts, thread-committer.ts) and the
 * commit worker (commit-worker.ts). Types only: both sides import it. One thread serves
 * every writer of the process; each writer has its own connection there, named `conn`.
 */
import type { CommitFailure, CommitOutcome } from './commit-batch.js';
import type { WireBatch } from './commit-wire.js';
import type { ConnectionSettings } from './connection-pragmas.js';

export type ToCommitWorker =
  | { type: 'open'; id: number; conn: number; path: string; connection: ConnectionSettings }
  | { type: 'commit'; id: number; conn: number; batch: WireBatch; nowMs: number }
  /** A pragma on the connection (per-connection settings such as max_page_count). */
  | { type: 'pragma'; id: number; conn: number; sql: string }
  | { type: 'close'; id: number; conn: number };

export type FromCommitWorker =
  | { id: number; outcome: CommitOutcome }
  | { id: number; value: unknown }
  | { id: number; error: CommitFailure };
