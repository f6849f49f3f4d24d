/**
 * One writer's connection on the shared commit thread (commit-thread.ts): opens it, encodes
 * each group (commit-wire.ts) and posts it with its buffer transferred, not copied. A
 * commit the thread did not report (it died) was not acknowledged either, so devices
 * resend it: at-least-once, as after a process crash.
 */
import type { CommitOutcome } from './commit-batch.js';
import { sharedCommitThread } from './commit-thread.js';
import { encodeBatch, type WireEntry } from './commit-wire.js';
import type { ConnectionSettings } from './connection-pragmas.js';

let nextConn = 1;

export class ThreadCommitter {
  private readonly thread = sharedCommitThread();
  private readonly conn = nextConn++;
  /** The thread generation this connection was opened in; -1 when it must be opened again. */
  private openedIn = -1;
  private opened: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: { path: string; connection: ConnectionSettings }) {
    // Open now: starting the thread and opening the file overlap the daemon's start.
    this.open();
  }

  async commit(entries: readonly WireEntry[], nowMs: number): Promise<CommitOutcome> {
    this.open();
    const batch = encodeBatch(entries);
    const reply = await this.thread.request((id) => ({ type: 'commit', id, conn: this.conn, batch, nowMs }), [batch.nums.buffer as ArrayBuffer]);
    if ('outcome' in reply) return reply.outcome;
    throw new Error('the commit worker answered a commit without an outcome');
  }

  /** Resolves once the connection is open on the thread; rejects with why it could not be. */
  async ready(): Promise<void> {
    this.open();
    await this.opened;
  }

  /** Runs a pragma on this connection (per-connection settings, diagnostics). */
  async pragma(sql: string): Promise<unknown> {
    this.open();
    const reply = await this.thread.request((id) => ({ type: 'pragma', id, conn: this.conn, sql }));
    return 'value' in reply ? reply.value : undefined;
  }

  /** Closes the connection once the requests already posted are answered. */
  async close(): Promise<void> {
    if (this.openedIn !== this.thread.generation) return;
    this.openedIn = -1;
    await this.thread.request((id) => ({ type: 'close', id, conn: this.conn }));
  }

  /** Posts the open ahead of the next request (answered in order), unless already open in this thread. */
  private open(): void {
    const generation = this.thread.start();
    if (this.openedIn === generation) return;
    this.openedIn = generation;
    this.opened = this.thread.request((id) => ({ type: 'open', id, conn: this.conn, ...this.db }));
    this.opened.catch(() => {
      // The requests that follow fail with the same error; the next one after them opens again.
      if (this.openedIn === generation) this.openedIn = -1;
    });
  }
}
