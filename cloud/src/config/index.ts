export { resolveCloudConfig, type ConfigInput, type ResolveConfigOptions } from './resolve.js';
export { redactConfig, redactUrl, withDatabaseUrl, type RedactedConfig } from './redact.js';
export { CLOUD_SETTINGS, CONFIG_FILE_ENV, SETTINGS } from './settings.js';
export type { CapacityConfig, CloudConfig, DatabaseConfig, LogLevel, RetentionConfig, ServerConfig } from './schema.js';
