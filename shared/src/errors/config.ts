import { WardlinkError } from './base.js';

/** A configuration value (file, environment or flag) is invalid. Names the field. */
export class ConfigError extends WardlinkError {
  readonly field: string;
  constructor(field: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_CONFIG_INVALID', `config: ${field} ${rule}${shown}; fix it in the config file or environment`, { field });
    this.field = field;
  }
}

/** The config file could not be read or parsed. */
export class ConfigFileError extends WardlinkError {
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('WL_CONFIG_FILE', `config file ${path}: ${reason}; run "init" to create one or fix its JSON`, { path }, options);
  }
}

/** A command-line argument is invalid. */
export class UsageError extends WardlinkError {
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super('WL_USAGE', message, detail);
  }
}

/** A named thing (device, bed, patient, rule, alarm) does not exist. */
export class NotFoundError extends WardlinkError {
  constructor(kind: string, id: string) {
    super('WL_NOT_FOUND', `${kind} "${id}" does not exist; list them with "${kind} list"`, { kind, id });
  }
}

/** A named thing already exists. */
export class AlreadyExistsError extends WardlinkError {
  constructor(kind: string, id: string) {
    super('WL_ALREADY_EXISTS', `${kind} "${id}" already exists`, { kind, id });
  }
}
