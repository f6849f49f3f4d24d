/**
 * One COPY FROM STDIN of data already in memory, sent in ONE socket write: the COPY
 * statement, the rows as CopyData, and CopyDone, without waiting for PostgreSQL's
 * CopyInResponse in between.
 *
 * Why not pg-copy-streams (which the other COPYs of the service use, streaming data it
 * does not hold yet): it sends the statement, waits a round trip for CopyInResponse, then
 * writes each chunk as two writes (a 5-byte header, then the chunk) and CopyDone as a
 * third. On loopback and in VMs every small write that wakes an idle peer costs more CPU
 * than copying the ~200 KB of a batch (`pnpm bench cloud-ingest` profile: socket writes
 * were the service's largest item, the COPY's ahead of the batch's own bytes), and each
 * wake-up costs the PostgreSQL backend too.
 *
 * Sending the data ahead is safe by the protocol: PostgreSQL reads the messages in order,
 * so the rows wait in the socket until the statement is in copy-in mode; and when the
 * statement fails before (or during) the copy, the backend discards the CopyData and
 * CopyDone that follow ("accept but ignore these messages, per protocol spec", postgres.c)
 * and answers ErrorResponse, then ReadyForQuery, as for any failed query.
 */
import type pg from 'pg';

/**
 * Bytes per CopyData message. The backend reads each message whole into one buffer
 * before it parses any of it (and holds off cancels meanwhile), so messages of this
 * size let it start on the rows while the rest arrives and bound its buffer per COPY;
 * corked into one write, more messages cost the service nothing.
 */
const MAX_COPY_DATA_BYTES = 256 * 1024;

/** What node-postgres hands a submittable query (pg.Connection, typed for what is used). */
interface Connection {
  stream: { cork(): void; uncork(): void; write(chunk: Uint8Array): boolean };
}

/**
 * A node-postgres submittable (client.query(copy) runs it when the connection is free)
 * that resolves `done` with the rows COPYed, or rejects with PostgreSQL's error.
 */
export class PipelinedCopy implements pg.Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: Error) => void;
  private rowCount = 0;
  private failed: Error | undefined;

  constructor(
    private readonly sql: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const stream = (connection as unknown as Connection).stream;
    // Corked: the messages leave in one writev, and the data is never copied.
    stream.cork();
    stream.write(queryMessage(this.sql));
    for (let off = 0; off < this.data.length; off += MAX_COPY_DATA_BYTES) {
      const part = this.data.subarray(off, Math.min(this.data.length, off + MAX_COPY_DATA_BYTES));
      stream.write(copyDataHeader(part.length));
      stream.write(part);
    }
    stream.write(COPY_DONE);
    stream.uncork();
  }

  /** node-postgres replaces it with its own when query_timeout is set. */
  callback(): void {}

  handleCopyInResponse(): void {
    // The data is on its way already.
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(msg.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleError(err: Error): void {
    this.callback();
    this.failed ??= err;
    this.reject(err);
  }

  handleReadyForQuery(): void {
    this.callback();
    if (this.failed === undefined) this.resolve(this.rowCount);
  }

  // Messages a COPY FROM STDIN never gets; present because node-postgres calls them on
  // whatever query is active.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/** A simple-protocol Query message: 'Q', int32 length, the text, a NUL. */
function queryMessage(sql: string): Buffer {
  const textBytes = Buffer.byteLength(sql, 'utf8');
  const b = Buffer.allocUnsafe(1 + 4 + textBytes + 1);
  b[0] = 0x51; // 'Q'
  b.writeInt32BE(4 + textBytes + 1, 1);
  b.write(sql, 5, 'utf8');
  b[5 + textBytes] = 0;
  return b;
}

/** A CopyData message's header: 'd', int32 length (itself and the data). */
function copyDataHeader(dataBytes: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = 0x64; // 'd'
  b.writeInt32BE(4 + dataBytes, 1);
  return b;
}
