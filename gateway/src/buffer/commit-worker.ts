/**
 * The commit worker thread: owns one better-sqlite3 connection per writer to the buffer's
 * file and runs the writers' group commits (commit-batch.ts) on them, one message at a
 * time, so the main thread's event loop (MQTT, HL7, alarms) never waits for SQLite's
 * inserts, fsyncs or automatic WAL checkpoints. It imports nothing from @wardlink/shared
 * at run time: from source it is loaded by tsx without the workspace's vitest aliases.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { commitConnectionSettings, createBatchCommitter, toCommitFailure, type BatchCommitter } from './commit-batch.js';
import { decodeBatch } from './commit-wire.js';
import type { FromCommitWorker, ToCommitWorker } from './commit-worker-protocol.js';
import { applyConnectionPragmas } from './connection-pragmas.js';
import { RecentRecords } from './recent-records.js';

interface Connection {
  db: Database.Database;
  commit: BatchCommitter;
}

const port = parentPort!;
const connections = new Map<number, Connection>();
/** Why a connection could not be opened: what its commits then fail with. */
const openErrors = new Map<number, unknown>();

function connection(conn: number): Connection {
  const c = connections.get(conn);
  if (!c) throw openErrors.get(conn) ?? new Error(`commit connection ${conn} is not open`);
  return c;
}

function handle(msg: ToCommitWorker): FromCommitWorker {
  switch (msg.type) {
    case 'open': {
      connections.get(msg.conn)?.db.close();
      connections.delete(msg.conn);
      openErrors.delete(msg.conn);
      let db: Database.Database | null = null;
      try {
        db = new Database(msg.path);
        applyConnectionPragmas(db, commitConnectionSettings(msg.connection));
        const recent = new RecentRecords();
        recent.seed(db);
        const commit = createBatchCommitter(db, { monotonicMs: () => performance.now(), recent });
        connections.set(msg.conn, { db, commit });
      } catch (err) {
        db?.close();
        openErrors.set(msg.conn, err);
        throw err;
      }
      return { id: msg.id, value: null };
    }
    case 'commit':
      return { id: msg.id, outcome: connection(msg.conn).commit(decodeBatch(msg.batch), msg.nowMs) };
    case 'pragma':
      return { id: msg.id, value: connection(msg.conn).db.pragma(msg.sql) };
    case 'close':
      connections.get(msg.conn)?.db.close();
      connections.delete(msg.conn);
      openErrors.delete(msg.conn);
      return { id: msg.id, value: null };
  }
}

port.on('message', (msg: ToCommitWorker) => {
  let reply: FromCommitWorker;
  try {
    reply = handle(msg);
  } catch (err) {
    reply = { id: msg.id, error: toCommitFailure(err) };
  }
  port.postMessage(reply);
});
