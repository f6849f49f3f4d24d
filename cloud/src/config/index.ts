export { resolveCloudConfig, type ConfigInput, type ResolveConfigOptions } from './resolve.js';
export { redactConfig, redactUrl, withDatabaseUrl, type RedactedConfig } from './redact.js';
export {
  CONFIG_FILE_ENV,
  SETTINGS,
  type CapacityConfig,
  type CloudConfig,
  type DatabaseConfig,
  type LogLevel,
  type RetentionConfig,
  type ServerConfig,
  type SettingSpec,
} from './schema.js';
