/**
 * What every CLI command gets: where the config is, how to print, and lazy access to the
 * gateway's database (opened once per command, closed at the end).
 */
import { loadGatewayConfig, defaultConfigPath } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { openGatewayDatabase, type GatewayDatabase } from '../db.js';
import type { Out } from './output.js';

export class CliContext {
  private config?: GatewayConfig;
  private database?: GatewayDatabase;

  constructor(
    readonly out: Out,
    readonly env: NodeJS.ProcessEnv,
    private readonly configPathOption: string | undefined,
    /** Setting flags given on the command line, by setting path. */
    readonly flags: Readonly<Record<string, string>> = {},
  ) {}

  get configPath(): string {
    return this.configPathOption ?? defaultConfigPath(this.env);
  }

  loadConfig(): GatewayConfig {
    this.config ??= loadGatewayConfig({ path: this.configPath, env: this.env, flags: this.flags });
    return this.config;
  }

  /** Reads the configuration again (SIGHUP), with the same flags: a reload must not drop
   * what the command line set. */
  reloadConfig(): GatewayConfig {
    this.config = loadGatewayConfig({ path: this.configPath, env: this.env, flags: this.flags });
    return this.config;
  }

  db(): GatewayDatabase {
    this.database ??= openGatewayDatabase(this.loadConfig());
    return this.database;
  }

  close(): void {
    this.database?.close();
  }
}
