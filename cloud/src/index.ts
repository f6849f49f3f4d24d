/** @wardlink/cloud: the cloud sync service, its storage layer and its building blocks. */
export * from './config/index.js';
export * from './storage/index.js';
export * from './ingest/index.js';
export * from './api/index.js';
export { CloudService, decodeLimitsFor, readServeRuntime, type CloudServiceOptions, type ServeRuntime } from './service.js';
export { CloudMetrics, type BatchOutcome } from './observability/metrics.js';
export { createLogger } from './observability/logger.js';
export { parseTraceparent, traceFromRequest, formatTraceparent, type TraceContext } from './observability/trace.js';
export { runCli } from './cli/program.js';
export * from './lifecycle/index.js';
