/**
 * What every CLI command gets: the resolved config, how to print, one logger, and lazy
 * access to the database, closed at the end of the command.
 *
 * The database is DATABASE_URL's when configured. Otherwise it is the embedded cluster
 * in the data folder: the one a running `serve` started (found through its runtime
 * file), or one started for this command and stopped after it.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { resolveCloudConfig, type ConfigInput } from '../config/resolve.js';
import { withDatabaseUrl } from '../config/redact.js';
import type { CloudConfig } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { readServeRuntime } from '../service.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../storage/embedded.js';
import { createPools, type Pools } from '../storage/pool.js';
import type { Out } from './output.js';

export class CliContext {
  private config?: CloudConfig;
  private log?: Logger;
  private pools?: Pools;
  private embedded?: EmbeddedPostgresHandle;

  constructor(
    readonly out: Out,
    readonly env: NodeJS.ProcessEnv,
    private readonly configPath: string | undefined,
  ) {}

  loadConfig(overrides?: ConfigInput): CloudConfig {
    if (overrides) return resolveCloudConfig({ env: this.env, ...(this.configPath ? { configFile: this.configPath } : {}), overrides });
    this.config ??= resolveCloudConfig({ env: this.env, ...(this.configPath ? { configFile: this.configPath } : {}) });
    return this.config;
  }

  /** The one logger of this command, on stderr. Admin commands print their result on
   * stdout, so they log only warnings unless LOG_LEVEL asks for more. */
  logger(level?: string): Logger {
    this.log ??= createLogger(level ?? (this.env.LOG_LEVEL?.trim() || 'warn'));
    return this.log;
  }

  async db(): Promise<pg.Pool> {
    if (this.pools) return this.pools.primary;
    const config = this.loadConfig();
    let database = config.database;
    if (database.url === undefined) {
      const running = await readServeRuntime(config.dataDir);
      if (running) {
        database = withDatabaseUrl(database, running.connectionString);
      } else {
        this.embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: database.embeddedPort, logger: this.logger() });
        database = withDatabaseUrl(database, this.embedded.connectionString);
      }
    }
    this.pools = createPools({ ...database, url: database.url, replicaUrl: undefined }, this.logger(), { applicationName: 'wardlink-cloud-cli' });
    return this.pools.primary;
  }

  async close(): Promise<void> {
    await this.pools?.end().catch(() => undefined);
    await this.embedded?.stop().catch(() => undefined);
    this.log?.flush();
  }
}
