/**
 * The gateway's uplink to the cloud: batches from the outbox, uploaded with undici,
 * idempotent per (gatewayId, seq), with backoff, a circuit breaker, Retry-After, TLS, and
 * a live lane ahead of the backfill. See README.md.
 */
export { Uplink, type UplinkDeps } from './uplink.js';
export { UplinkSeriesDictionary, uplinkMigrations, type DictionaryUse } from './series-dictionary.js';
export { createUplink, uplinkSettingsFromConfig } from './from-config.js';
export { resolveUplinkOptions, displayUrl, UPLINK_DEFAULTS, type UplinkSettings, type UplinkOptions, type TlsMaterial } from './options.js';
export { UplinkClient, BATCH_CONTENT_TYPE, type SendRequest } from './client.js';
export { classifyResponse, classifyNetworkError, type SendOutcome, type Accepted } from './classify.js';
export { CircuitBreaker, BREAKER_STATES, type BreakerState, type BreakerTransition, type BreakerOptions } from './breaker.js';
export { fullJitterDelayMs } from './backoff.js';
export { parseRetryAfter, MAX_RETRY_AFTER_MS } from './retry-after.js';
export { newTrace, type TraceIds } from './trace.js';
export { DrainProgress, type DrainSnapshot } from './progress.js';
export { UplinkSendError, UplinkOptionError, UplinkTlsFileError, type SendFailureKind } from './errors.js';
export type { UplinkStatus, UplinkActivity, UplinkLastError, UplinkLogger, UplinkEvents, SentInfo, Lane } from './types.js';
