/**
 * Opens the gateway's one SQLite database: the buffer's schema plus every module's
 * migrations (registry, alarms), and the registry on top. The CLI and the daemon both
 * open it this way; SQLite's WAL lets them share the file.
 */
import { openBufferStore, type BufferStore } from './buffer/store.js';
import type { Migration } from './buffer/types.js';
import type { GatewayConfig } from './config/schema.js';
import { alarmMigrations } from './alarms/migrations.js';
import { registryMigrations } from './registry/migrations.js';
import { Registry } from './registry/registry.js';
import { staffMigrations } from './staff/migrations.js';
import { uplinkMigrations } from './uplink/series-dictionary.js';

const moduleMigrations: Migration[] = [...registryMigrations, ...staffMigrations, ...alarmMigrations, ...uplinkMigrations];

/** Features with their own tables (alarms) register their migrations here at import. */
export function registerMigrations(...migrations: readonly Migration[]): void {
  for (const m of migrations) if (!moduleMigrations.some((x) => x.id === m.id)) moduleMigrations.push(m);
}

export interface GatewayDatabase {
  readonly store: BufferStore;
  readonly db: BufferStore['db'];
  readonly registry: Registry;
  close(): void;
}

export function openGatewayDatabase(config: Pick<GatewayConfig, 'databasePath' | 'gatewayId' | 'buffer'>, opts: { logger?: BufferStore['logger'] } = {}): GatewayDatabase {
  const store = openBufferStore({
    path: config.databasePath,
    durability: config.buffer.durability,
    gatewayId: config.gatewayId,
    extraMigrations: moduleMigrations,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const registry = new Registry(store.db, () => store.clock.now());
  return { store, db: store.db, registry, close: () => store.close() };
}
