/**
 * The cloud sync service, assembled: database (external, or embedded in the data folder
 * when no DATABASE_URL is configured), pools, metrics, authentication, limits and the
 * HTTP server. `start` brings it up; `stop` takes it down in reverse order, gracefully.
 *
 * The service keeps no state a retry depends on (the ledger is in PostgreSQL), so any
 * number of instances can run behind a load balancer; config server.role lets some take
 * only the batches and others only the reads (api/role/service-role.ts).
 *
 * Beside it: its options (service-options.ts), its read side (service-read-side.ts) and
 * the serve-runtime file the embedded database leaves for the CLI (serve-runtime.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemClock, type TimerHandle } from '@wardlink/shared';
import { GatewayAuthenticator } from './api/auth/authenticator.js';
import { ReaderAuthenticator } from './api/auth/reader-authenticator.js';
import { ReadingTimeBounds } from './ingest/time-bounds.js';
import { Admission, type AdmissionLimits } from './api/limits/admission.js';
import { TokenBucketLimiter } from './api/limits/rate-limiter.js';
import { createReadinessCheck } from './api/routes/health.js';
import { createApiServer, type ApiServer } from './api/server.js';
import { withDatabaseUrl } from './config/redact.js';
import type { CloudConfig, DatabaseConfig } from './config/schema.js';
import { createArchiveStore } from './lifecycle/store/create-store.js';
import { startServiceLifecycle, type ServiceLifecycle } from './lifecycle/service-lifecycle.js';
import { CloudMetrics } from './observability/metrics.js';
import { FhirExportRunner } from './fhir/export/export-runner.js';
import { removeServeRuntime, writeServeRuntime } from './serve-runtime.js';
import { decodeLimitsFor, type CloudServiceOptions } from './service-options.js';
import { startReadSide } from './service-read-side.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './storage/embedded.js';
import { migrate } from './storage/migrator.js';
import type { LatestListener } from './storage/latest-listener.js';
import type { LatestVitalsCache } from './latest-cache/latest-vitals-cache.js';
import { createPools, type Pools } from './storage/pool.js';

// Their homes are beside this file; importers (index.ts, the CLI, the tests) keep this path.
export { readServeRuntime, type ServeRuntime } from './serve-runtime.js';
export { decodeLimitsFor, type CloudServiceOptions } from './service-options.js';

export class CloudService {
  private constructor(
    readonly config: CloudConfig,
    readonly pools: Pools,
    readonly metrics: CloudMetrics,
    readonly authenticator: GatewayAuthenticator,
    private readonly api: ApiServer,
    readonly port: number,
    private readonly embedded: EmbeddedPostgresHandle | undefined,
    private readonly logger: Logger,
    /** The lifecycle scheduler, when it runs in this instance. */
    readonly lifecycle: ServiceLifecycle | undefined,
    /** The LISTEN connection feeding the SSE streams and the latest-vitals cache (not on
     * an ingest instance). */
    private readonly listener: LatestListener | undefined,
  ) {}

  /** http(s)://host:port of the listening server (127.0.0.1 when bound to every address). */
  get url(): string {
    const host = this.config.server.host === '0.0.0.0' || this.config.server.host === '::' ? '127.0.0.1' : this.config.server.host;
    return `${this.config.server.tlsCertFile ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  static async start(config: CloudConfig, options: CloudServiceOptions): Promise<CloudService> {
    const { logger } = options;
    const clock = options.clock ?? systemClock;
    let embedded: EmbeddedPostgresHandle | undefined;
    let pools: Pools | undefined;
    let lifecycle: ServiceLifecycle | undefined;
    let listener: LatestListener | undefined;
    let cache: LatestVitalsCache | undefined;
    let fhirExports: FhirExportRunner | undefined;
    try {
      let database: DatabaseConfig = config.database;
      if (database.url === undefined) {
        embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: database.embeddedPort, logger, clock });
        database = withDatabaseUrl(database, embedded.connectionString);
        await writeServeRuntime(config.dataDir, embedded.connectionString);
      }
      pools = createPools(database, logger, { clock });
      if (options.migrate ?? embedded !== undefined) await migrate(pools.primary, { logger, citusShardCount: database.citusShardCount });

      const poolMax = database.poolMax;
      const perBatch = config.server.maxReadingsPerBatch;
      const limits: AdmissionLimits = {
        maxInFlightRequests: Math.max(8, poolMax * 4),
        maxInFlightReadings: perBatch * 4,
        maxPoolWaiting: poolMax * 2,
        ...options.limits,
      };
      const metrics = new CloudMetrics(pools.primary);
      pools.replicaMetrics?.register(metrics.registry);
      const authOptions = { clock, ...(options.authCacheTtlMs === undefined ? {} : { ttlMs: options.authCacheTtlMs }) };
      const authenticator = new GatewayAuthenticator(pools.primary, authOptions);
      const primary = pools.primary;
      const role = config.server.role;
      // Only an instance serving reads keeps the latest-vitals copy, the streams and their
      // LISTEN connection: an ingest instance only NOTIFYs (inside each batch's
      // transaction), and every read instance on the database hears it.
      const reads = role !== 'ingest' ? startReadSide(config, database, pools, metrics, clock, logger, options) : undefined;
      cache = reads?.latestCache;
      listener = reads?.listener;
      // One store for both sides: the history reads what the lifecycle archived.
      const archiveStore = options.archiveStore ?? createArchiveStore(config);
      const tls = config.server.tlsCertFile && config.server.tlsKeyFile ? { cert: await readFile(config.server.tlsCertFile), key: await readFile(config.server.tlsKeyFile) } : undefined;
      const api = createApiServer({
        tls,
        pool: pools.primary,
        logger,
        metrics,
        clock,
        authenticator,
        limiter: new TokenBucketLimiter({ ratePerS: config.server.rateLimitReadingsPerS, burst: config.server.rateLimitBurstReadings, clock }),
        admission: new Admission(limits, pools.primary),
        readiness: createReadinessCheck(pools.primary, { clock }),
        role,
        ...(reads
          ? {
              stream: reads.streamHub,
              fhirExports: (fhirExports = new FhirExportRunner(
                { primary: pools.primary, replica: pools.replica, archive: archiveStore, clock, logger: logger.child({ component: 'fhir-export' }), dir: join(config.dataDir, 'fhir-exports') },
                options.fhirExport,
              )),
            }
          : {}),
        read: {
          // Reads never take ingest's connections: their own pool, on the primary when no
          // replica is configured. Tokens are checked on the primary: a revocation must
          // not wait for replication.
          pool: pools.replica,
          readers: new ReaderAuthenticator(pools.primary, authOptions),
          historyMaxDays: config.server.historyMaxDays,
          historyMaxRows: config.server.historyMaxRows,
          archive: archiveStore,
          ...(cache ? { latestCache: cache } : {}),
          ...(pools.routing ? { routing: pools.routing } : {}),
        },
        bodyLimitBytes: config.server.bodyLimitBytes,
        decodeLimits: decodeLimitsFor(config),
        load: {
          clock,
          ddlLockTimeoutMs: database.ddlLockTimeoutMs,
          timeBounds: new ReadingTimeBounds({ pool: primary, maxFutureMs: config.server.readingMaxFutureMs, defaultHotDays: config.retention.hotDays, clock }),
          ...(options.copyFormat ? { copyFormat: options.copyFormat } : {}),
        },
      });
      const address = await api.listen(config.server.port, config.server.host);
      fhirExports?.start();
      // After listen: start-up maintenance must not delay readiness, and ingest makes any
      // partition it needs on its own (ensurePartitions before the COPY).
      // Not on a read instance unless asked: compaction and archive exports would hold the
      // very event loop the role keeps free for readers (any instance may run it; advisory
      // locks make one do each job).
      const lifecycleOption = options.lifecycle ?? role !== 'read';
      if (lifecycleOption !== false) {
        lifecycle = startServiceLifecycle({
          pool: pools.primary,
          config,
          logger: logger.child({ component: 'lifecycle' }),
          clock,
          registry: metrics.registry,
          store: archiveStore,
          ...(typeof lifecycleOption === 'object' ? { scheduler: lifecycleOption } : {}),
        });
      }
      logger.info({ role, host: config.server.host, port: address.port, embeddedDatabase: embedded !== undefined, lifecycle: lifecycle !== undefined, limits }, 'wardlink-cloud is serving');
      const service = new CloudService(config, pools, metrics, authenticator, api, address.port, embedded, logger, lifecycle, listener);
      service.latestCache = cache;
      service.fhirExports = fhirExports;
      return service;
    } catch (err) {
      await lifecycle?.stop().catch(() => undefined);
      await fhirExports?.stop();
      cache?.stop();
      await listener?.stop();
      await pools?.end().catch(() => undefined);
      if (embedded) await stopEmbedded(embedded, config.dataDir);
      throw err;
    }
  }

  private stopping: Promise<void> | undefined;
  /** The read routes' latest-vitals cache (its heartbeat timer stops with the service). */
  latestCache: LatestVitalsCache | undefined;
  /** The FHIR bulk-export worker of this instance. */
  fhirExports: FhirExportRunner | undefined;

  /** Stops serving (in-flight batches finish within server.shutdownGraceMs), then closes
   * the pools and the embedded PostgreSQL. Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.logger.info({ graceMs: this.config.server.shutdownGraceMs }, 'shutting down');
      await this.api.close(this.config.server.shutdownGraceMs);
      // Running exports go back to the queue after their current chunk.
      await this.fhirExports?.stop();
      // Before the pools close: nothing may push to a stream on a closed pool.
      this.latestCache?.stop();
      await this.listener?.stop();
      if (this.lifecycle) await this.stopLifecycle(this.lifecycle);
      await this.pools.end().catch((err: unknown) => this.logger.warn({ err }, 'closing the database pools failed'));
      if (this.embedded) await stopEmbedded(this.embedded, this.config.dataDir, this.logger);
      this.logger.info('stopped');
    })());
  }

  /** Waits up to the grace period for a running job; past it the pools close under the
   * job, which fails at its current step and resumes from there on the next start. */
  private async stopLifecycle(lifecycle: ServiceLifecycle): Promise<void> {
    const graceMs = this.config.server.shutdownGraceMs;
    const stopped = lifecycle.stop().then(
      () => true,
      (err: unknown) => {
        this.logger.warn({ err }, 'stopping the lifecycle scheduler failed');
        return true;
      },
    );
    let timer: TimerHandle | undefined;
    const gaveUp = new Promise<false>((resolve) => (timer = lifecycle.context.clock.setTimeout(() => resolve(false), graceMs)));
    const finished = await Promise.race([stopped, gaveUp]);
    timer?.cancel();
    if (!finished) this.logger.warn({ graceMs }, 'a lifecycle job is still running at shutdown; it resumes from its last step on the next start');
  }
}

async function stopEmbedded(embedded: EmbeddedPostgresHandle, dataDir: string, logger?: Logger): Promise<void> {
  await removeServeRuntime(dataDir);
  await embedded.stop().catch((err: unknown) => logger?.error({ err }, 'stopping the embedded PostgreSQL failed'));
}
