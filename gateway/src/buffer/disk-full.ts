/**
 * The buffer's disk is full: one state, two ways in.
 *  - a group commit failed with SQLITE_FULL (WL_BUFFER_FULL);
 *  - the filesystem has eaten into the space kept for alarm events (`diskLow`, from
 *    statfs every tick): something else is filling the disk.
 * While full, readings are refused at once (the writer's gate), so the space left is for
 * alarm events and the audit, and devices get no acknowledgement (they keep their data and
 * resend). The state ends when the space is back: statfs shows the reserve free again (the
 * byte cap's eviction makes room within the file; an administrator frees the disk), and
 * the next commit shows whether readings fit. `onChange` raises and clears the
 * buffer-disk-full technical alarm and fails /healthz (daemon.ts).
 */
import { BufferFullError, type BufferError } from '@wardlink/shared';
import type { BufferUsage } from './types.js';

export interface DiskFullDeps {
  refuseReadings(err: BufferError | null): void;
  onChange(full: boolean, detail: string): void;
}

export class DiskFullWatch {
  private commitFailed = false;
  private low = false;
  private lastDetail = '';

  constructor(private readonly deps: DiskFullDeps) {}

  get full(): boolean {
    return this.commitFailed || this.low;
  }

  get detail(): string {
    return this.lastDetail;
  }

  /** Every tick, with the buffer's usage (effective cap, disk available). */
  onUsage(usage: BufferUsage): void {
    const low = usage.diskLow;
    // The reserve is free again: let the next commit show whether readings fit.
    const retry = this.commitFailed && !low;
    if (low === this.low && !retry) return;
    this.low = low;
    if (retry) this.commitFailed = false;
    this.update(low ? `${mib(usage.diskAvailableBytes)} MiB left on the disk, below the space kept for alarm events` : this.lastDetail);
  }

  /** A commit was refused; only a full disk is this state's business. */
  onCommitFailure(err: BufferError): void {
    if (err.code !== 'WL_BUFFER_FULL' || this.commitFailed) return;
    this.commitFailed = true;
    this.update('a commit failed: the disk is full');
  }

  private update(detail: string): void {
    const full = this.full;
    this.lastDetail = full ? detail : '';
    this.deps.refuseReadings(full ? new BufferFullError({ reason: detail }) : null);
    this.deps.onChange(full, this.lastDetail);
  }
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
