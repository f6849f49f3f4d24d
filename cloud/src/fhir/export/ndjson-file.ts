/**
 * The NDJSON files of one export job: lines are buffered up to `flushBytes` and
 * appended, and a file is closed for a new one at `maxFileBytes` (at a line boundary),
 * so memory holds one buffer whatever the export's size. A resumed job truncates its
 * last file to the bytes recorded with its last chunk: a crash in the middle of a chunk
 * leaves lines the job writes again.
 */
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFile } from './export-store.js';

export class NdjsonFiles {
  private handle: FileHandle | undefined;
  private buffer: string[] = [];
  private bufferBytes = 0;

  constructor(
    private readonly dir: string,
    /** The files so far, as recorded: the last one is continued. */
    readonly files: ExportFile[],
    private readonly maxFileBytes: number,
    private readonly flushBytes = 1 << 20,
  ) {}

  /** Cuts the last file back to its recorded size (before a resumed job writes). */
  async resume(): Promise<void> {
    const last = this.files.at(-1);
    if (last === undefined) return;
    await truncate(join(this.dir, last.name), last.bytes).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async add(line: string): Promise<void> {
    let current = this.files.at(-1);
    if (current === undefined || current.bytes >= this.maxFileBytes) {
      await this.flush();
      await this.handle?.close();
      this.handle = undefined;
      current = { name: `Observation-${this.files.length + 1}.ndjson`, type: 'Observation', count: 0, bytes: 0 };
      this.files.push(current);
    }
    const bytes = Buffer.byteLength(line);
    current.count++;
    current.bytes += bytes;
    this.buffer.push(line);
    this.bufferBytes += bytes;
    if (this.bufferBytes >= this.flushBytes) await this.flush();
  }

  /** Writes the buffer and makes it durable: the caller records the sizes after this. */
  async sync(): Promise<void> {
    await this.flush();
    await this.handle?.datasync();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const current = this.files.at(-1)!;
    if (this.handle === undefined) {
      const path = join(this.dir, current.name);
      const written = current.bytes - this.bufferBytes;
      // The recorded size, not whatever a crashed run appended after it.
      await truncate(path, written).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.handle = await open(path, 'a');
    }
    const text = this.buffer.join('');
    this.buffer = [];
    this.bufferBytes = 0;
    await this.handle.write(text);
  }
}
