/**
 * What a caller may set when starting the cloud service (CloudService.start), and the
 * decode limits the service derives from config. Apart from service.ts so the read side
 * (service-read-side.ts) can take the options without importing the service itself.
 */
import type { Logger } from 'pino';
import type { Clock, DecodeLimits } from '@wardlink/shared';
import type { AdmissionLimits } from './api/limits/admission.js';
import type { StreamHubOptions } from './api/routes/stream/stream-hub.js';
import type { CloudConfig } from './config/schema.js';
import type { ExportRunnerOptions } from './fhir/export/export-runner.js';
import type { CopyFormat } from './ingest/copy-format.js';
import type { SchedulerOptions } from './lifecycle/scheduler.js';
import type { ArchiveStore } from './lifecycle/store/archive-store.js';

export interface CloudServiceOptions {
  logger: Logger;
  clock?: Clock;
  /** Apply pending migrations before serving. Default: only on the embedded database
   * (zero-config); with an external one, deploys run `wardlink-cloud migrate`. */
  migrate?: boolean;
  /** Backpressure bounds; defaults derive from the pool size and batch limit. */
  limits?: Partial<AdmissionLimits>;
  /** How long a token lookup is cached (revocation takes effect within it). Default 5 s. */
  authCacheTtlMs?: number;
  copyFormat?: CopyFormat;
  /** Run the data lifecycle (partition maintenance, range alerts, retention, purge,
   * capacity) inside the service. Default true; the API tests turn it off because they
   * share one database and must not archive each other's days. */
  lifecycle?: boolean | SchedulerOptions;
  /** Bounds and timing of the SSE streams, over config server.maxStreams and streamMaxQueuedBytes (tests). */
  stream?: StreamHubOptions;
  /** The archive store, written by the lifecycle and read by the history for archived
   * days. Default: the one config names (archive.store: folder or s3). */
  archiveStore?: ArchiveStore;
  /** FHIR bulk-export worker options over its defaults (tests: expiry, poll, chunk). */
  fhirExport?: Partial<ExportRunnerOptions>;
}

export function decodeLimitsFor(config: CloudConfig): Partial<DecodeLimits> {
  const perBatch = config.server.maxReadingsPerBatch;
  // A realistic payload is ~2 B per reading; 64 B per reading plus 1 MiB for alarm texts
  // is generous, and still stops a decompression bomb long before it hurts.
  return { maxReadings: perBatch, maxDecompressedBytes: Math.min(64 * 1024 * 1024, 1024 * 1024 + 64 * perBatch) };
}
