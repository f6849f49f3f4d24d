/**
 * The gateway's durable local buffer: one SQLite file in WAL mode holding readings,
 * alarm events and the outbox, with group commit, a byte cap and housekeeping.
 *
 *   const store = openBufferStore({ path, durability, gatewayId, extraMigrations });
 *   const writer = new BufferWriter(store, { onCommit });     // ingest appends here
 *   const outbox = new Outbox(store);                         // the uplink reads here
 *   const cap = new BufferCap(store, { maxBytes });           // bufferUsage() for alarms
 *   const maintenance = new BufferMaintenance(store, { cap }); maintenance.start();
 *   // SIGTERM: await writer.close(); await maintenance.stop(); store.close();
 */
export { openBufferStore, DEFAULT_WAL_AUTOCHECKPOINT_BYTES, NEW_FILE_PAGE_SIZE, type BufferStore, type BufferStoreOptions } from './store.js';
export { bufferMigrations, orderMigrations, applyMigrations } from './migrations.js';
export { BufferWriter, type WriterOptions } from './writer.js';
export { DirectAlarmSink } from './direct-alarm-sink.js';
export { WRITER_DEFAULTS, type WriterLimits } from './writer-options.js';
export { Outbox, type NextBatchOptions, type Backlog, type QuarantinedBatch } from './outbox.js';
export { BufferCap, type BufferCapOptions } from './eviction.js';
export { BufferMaintenance, TREND_INDEX_INTERVAL_MS, type MaintenanceOptions, type CheckpointResult, type HousekeepingReport } from './maintenance.js';
export { countUnsentReadings, countUnsentAlarms, oldestUnsentMs, UnsentTally } from './backlog.js';
export * from './types.js';
