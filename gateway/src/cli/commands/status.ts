import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { LiveStatus } from '../../http/routes.js';
import type { GatewayConfig } from '../../config/schema.js';
import { localFetch } from '../../http/local-client.js';
import { diskFreeBytes, diskOutlook, formatDiskOutlook, type DiskOutlook } from '../../observability/disk-outlook.js';
import { formatUplinkReport, uplinkReport, type UplinkReport } from '../../uplink/status-report.js';
import { countUnsentReadings, oldestUnsentMs } from '../../buffer/backlog.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

interface StatusReport {
  gatewayId: string;
  daemon: 'running' | 'not running';
  ingestReadingsPerS: number | null;
  buffer: { unsentReadings: number; oldestUnsentAgeS: number | null; databaseBytes: number; walBytes: number; pendingBatches: number; effectiveMaxBytes: number | null; diskFull: string | null };
  devices: { deviceId: string; kind: string; bedId: string; state: string; lastSeen: string | null }[];
  uplink: UplinkReport;
  disk: DiskOutlook;
  /** Values and messages refused since the daemon started, per device and code. */
  refused: { deviceId: string; code: string; term: string | null; count: number }[];
}

/** Bytes of database pages in use, as the byte cap counts them. */
function usedBytes(db: { pragma(sql: string, opts: { simple: true }): unknown }): number {
  const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
  return pages * Number(db.pragma('page_size', { simple: true }));
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function fetchLive(config: GatewayConfig): Promise<LiveStatus | null> {
  try {
    const res = await localFetch(config, '/status', { timeoutMs: 1500 });
    return res.ok ? ((await res.json()) as LiveStatus) : null;
  } catch {
    return null;
  }
}

/** `status`: what IT needs at a glance, from the database and, if it runs, the daemon. */
export function registerStatusCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('status')
    .description('ingest rate, buffer depth and age, database size, and each device\'s state')
    .action(async () => {
      const c = ctx();
      const config = c.loadConfig();
      const { db, registry } = c.db();
      const live = await fetchLive(config);
      // Unsent = not in a batch yet, or in one not acknowledged (buffer/outbox-spans.ts).
      const unsent = { n: countUnsentReadings(db), oldest: oldestUnsentMs(db) };
      const pending = (db.prepare("SELECT count(*) AS n FROM outbox_batches WHERE state = 'pending'").get() as { n: number }).n;
      const liveDevices = new Map((live?.devices ?? []).map((d) => [d.deviceId, d]));
      const now = Date.now();
      const report: StatusReport = {
        gatewayId: config.gatewayId,
        daemon: live ? 'running' : 'not running',
        ingestReadingsPerS: live?.ingestReadingsPerS ?? null,
        buffer: {
          unsentReadings: unsent.n,
          oldestUnsentAgeS: unsent.oldest === null ? null : Math.round((now - unsent.oldest) / 1000),
          databaseBytes: fileSize(config.databasePath),
          walBytes: fileSize(`${config.databasePath}-wal`),
          pendingBatches: pending,
          effectiveMaxBytes: live?.buffer.effectiveMaxBytes ?? null,
          diskFull: live?.buffer.diskFull ? (live.buffer.diskFullDetail ?? 'full') : null,
        },
        devices: registry.listDevices().map((d) => {
          const l = liveDevices.get(d.deviceId);
          return {
            deviceId: d.deviceId,
            kind: d.kind,
            bedId: d.bedId,
            state: l?.state ?? (live ? 'unknown' : 'daemon not running'),
            lastSeen: l?.lastSeenMs ? new Date(l.lastSeenMs).toISOString() : null,
          };
        }),
        uplink: uplinkReport(config.cloud, live?.uplink ?? null, db),
        refused: live?.refused ?? [],
        disk: diskOutlook({
          diskFreeBytes: diskFreeBytes(config.databasePath),
          bufferUsedBytes: usedBytes(db),
          bufferCapBytes: config.buffer.maxBytes,
          storedReadings: (db.prepare('SELECT coalesce(sum(n), 0) AS n FROM reading_records').get() as { n: number }).n,
          ingestReadingsPerS: live?.ingestReadingsPerS ?? null,
        }),
      };
      emit(c.out, report, () =>
        [
          `gateway ${report.gatewayId}: daemon ${report.daemon}` +
            (report.ingestReadingsPerS === null ? '' : `, ingest ${report.ingestReadingsPerS} readings/s`),
          `buffer: ${report.buffer.unsentReadings} unsent readings` +
            (report.buffer.oldestUnsentAgeS === null ? '' : `, oldest ${report.buffer.oldestUnsentAgeS} s old`) +
            `, ${report.buffer.pendingBatches} pending batches, database ${(report.buffer.databaseBytes / 1e6).toFixed(1)} MB` +
            ` (+ WAL ${(report.buffer.walBytes / 1e6).toFixed(1)} MB)`,
          ...(report.buffer.diskFull === null ? [] : [`DISK FULL: ${report.buffer.diskFull}; readings are refused, alarms still sound`]),
          ...(report.buffer.effectiveMaxBytes === null || report.buffer.effectiveMaxBytes >= config.buffer.maxBytes
            ? []
            : [`byte cap: ${(report.buffer.effectiveMaxBytes / 1e6).toFixed(1)} MB, what the disk can hold (buffer.maxBytes ${(config.buffer.maxBytes / 1e6).toFixed(0)} MB)`]),
          formatDiskOutlook(report.disk),
          ...formatUplinkReport(report.uplink, now),
          '',
          table(report.devices, ['deviceId', 'kind', 'bedId', 'state', 'lastSeen']),
          ...(report.refused.length === 0
            ? []
            : ['', 'refused since start (per device, code and observation code):', table(report.refused.slice(0, 20).map((r) => ({ ...r, term: r.term ?? '(whole message)' })), ['deviceId', 'code', 'term', 'count'])]),
        ].join('\n'),
      );
    });
}
