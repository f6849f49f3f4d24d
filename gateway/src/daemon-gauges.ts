/**
 * The daemon's gauges, refreshed before each /metrics answer and by the once-a-second tick
 * when something may have changed (`BufferLookGate`): buffer usage (which also drives the
 * buffer-80/95 alarms and the disk-full watch), evictions, alarm audit and PCD-04 queues,
 * devices last seen, the ingest rate.
 */
import type { Clock } from '@wardlink/shared';
import type { DiskSpace } from './buffer/disk-space.js';
import type { Pcd04Reporter } from './alarms/pcd04/index.js';
import type { AlarmService } from './alarms/service.js';
import type { DiskFullWatch } from './buffer/disk-full.js';
import type { BufferCap } from './buffer/eviction.js';
import type { BufferWriter } from './buffer/writer.js';
import type { DeviceStates } from './ingest/device-state.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { RateMeter } from './observability/rate.js';

export interface GaugeSources {
  readonly metrics: GatewayMetrics;
  readonly cap: BufferCap;
  readonly writer: BufferWriter;
  readonly diskFull: DiskFullWatch;
  readonly alarms: AlarmService;
  readonly pcd04: Pcd04Reporter | null;
  readonly deviceStates: DeviceStates;
  readonly pipeline: IngestPipeline;
  readonly ingestRate: RateMeter;
  readonly clock: Clock;
}

export function refreshGauges(s: GaugeSources): void {
  const { metrics } = s;
  const usage = s.cap.bufferUsage();
  metrics.bufferDepth.set(usage.unsentReadings);
  metrics.bufferBytes.set(usage.bytes);
  metrics.bufferFraction.set(usage.fraction);
  s.alarms.engine.onBufferUsage(usage.fraction);
  s.diskFull.onUsage(usage);
  metrics.bufferEffectiveMaxBytes.set(usage.maxBytes);
  metrics.diskAvailableBytes.set(usage.diskAvailableBytes);
  metrics.bufferQueued.set(s.writer.queuedReadings);
  const evicted = s.cap.counters();
  metrics.evictions.set({ kind: 'uploaded' }, evicted.uploadedReadings);
  metrics.evictions.set({ kind: 'quarantined' }, evicted.quarantinedReadings);
  metrics.evictions.set({ kind: 'unsent' }, evicted.unsentReadings);
  for (const [kind, n] of Object.entries(s.alarms.audit.counters)) metrics.alarmEventWrites.set({ kind }, n);
  metrics.alarmEventsQueued.set(s.alarms.audit.queued);
  const pcd04 = s.pcd04?.status();
  if (pcd04) {
    metrics.pcd04ManagerUp.set(pcd04.managerDown ? 0 : 1);
    metrics.pcd04Queued.set(pcd04.queued);
    for (const [kind, n] of Object.entries(pcd04.counters)) metrics.pcd04Events.set({ kind }, n);
    metrics.pcd04Events.set({ kind: 'outboxWriteFailures' }, pcd04.outboxWriteFailures);
  }
  for (const d of s.deviceStates.snapshot()) {
    if (d.lastSeenMs !== null) metrics.deviceLastSeen.set({ device: d.deviceId }, d.lastSeenMs / 1000);
  }
  s.ingestRate.sample(s.pipeline.storedTotal, s.clock.now());
}

/** An idle tick looks at the buffer at least this often even when nothing seems to have changed. */
export const QUIET_LOOK_MS = 10_000;

/**
 * Above this many bytes available on the buffer's filesystem, the disk's room changes
 * nothing: the effective cap is the configured one (the filesystem could hold it, its WAL
 * headroom and the alarm reserve without a page of the buffer's own: eviction.ts) and the
 * disk is not low. Other programs' writes move statfs all the time; above this they need no look.
 */
export function diskRoomMattersBelow(cap: Pick<BufferCap, 'maxBytes' | 'alarmReserveBytes'>, store: { db: { pragma(q: string, o: { simple: true }): unknown }; connection: { walAutocheckpointPages: number } }): number {
  const walHeadroom = 2 * store.connection.walAutocheckpointPages * (store.db.pragma('page_size', { simple: true }) as number);
  return cap.maxBytes + cap.alarmReserveBytes + walHeadroom;
}

/**
 * Whether the tick must look at the buffer (a refreshGauges: SQL page counts, a stat of the
 * WAL, statfs). The buffer's fill only grows through a commit, and the disk's room only
 * shrinks by allocating blocks, which statfs shows: so a look is due after any commit, at
 * any change of the filesystem's available bytes where they matter (below
 * `roomMattersBelow`), and at least every QUIET_LOOK_MS (what neither shows: eviction,
 * which lowers the fill, and writes on the main connection that do not go through the
 * writer: the registry, rules, admissions and the trend index share the file, so a
 * buffer-80/95 crossing they cause is seen within QUIET_LOOK_MS, not 1 s). The disk-full
 * alarm keeps the tick's 1 s bound, and an idle gateway does a statfs a second per gate
 * (the gauges' and the byte cap's) instead of three queries, two stats, a statfs and every
 * gauge (issue 18). A look counts as done only once it succeeded (`looked()`), so a failed
 * one is tried again at the next tick.
 */
export class BufferLookGate {
  private commits = 0;
  private lastAvailable = Number.NaN;
  private lastLookMs = -Infinity;
  /** What due() saw, kept by looked(). */
  private seen = { commits: 0, available: Number.NaN, atMs: -Infinity };

  constructor(
    private readonly disk: DiskSpace,
    private readonly clock: Clock,
    private readonly roomMattersBelow = Infinity,
    private readonly quietLookMs = QUIET_LOOK_MS,
  ) {}

  /** The writer committed a group (readings or alarm events). */
  noteCommit(): void {
    this.commits++;
  }

  /** True when a look is due now. It counts as done once `looked()` says it succeeded. */
  due(): boolean {
    // Monotonic: a wall clock stepped back must not hold off the quiet look.
    const now = this.clock.monotonicMs();
    let available: number;
    try {
      available = this.disk.availableBytes();
    } catch {
      available = Number.NaN; // unreadable: look (bufferUsage reports the error)
    }
    const roomMoved = !(available === this.lastAvailable) && !(available >= this.roomMattersBelow && this.lastAvailable >= this.roomMattersBelow);
    this.seen = { commits: this.commits, available, atMs: now };
    return this.commits > 0 || roomMoved || now - this.lastLookMs >= this.quietLookMs;
  }

  /** The look due() asked for was done: what it saw is now the last look. */
  looked(): void {
    this.commits -= this.seen.commits; // commits noted since due() stay due
    this.lastAvailable = this.seen.available;
    this.lastLookMs = this.seen.atMs;
  }
}
