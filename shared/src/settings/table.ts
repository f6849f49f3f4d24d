/**
 * A daemon's configuration written as a table: one entry per setting naming where it can
 * be set (config-file key, environment variable, command-line flag), the rule that checks
 * and converts what was given (the bounds live in the rule), the default, and whether the
 * value is a secret. Units are in the names (`…Ms`, `…Bytes`), so no entry needs a unit
 * field. `resolveSettings` applies the precedence both daemons share; nothing else reads
 * the environment or the file for these values.
 */

/** Where a value came from, so a rule can say "(from WARDLINK_HTTP_PORT)". */
export type SettingOrigin =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string | undefined }
  | { kind: 'default' };

export interface SettingContext {
  /** The setting's dotted path: what an error names. */
  readonly field: string;
  readonly origin: SettingOrigin;
  /** Folder relative paths are resolved against (the config file's folder, or the cwd). */
  readonly base: string;
  /** The value of a setting listed earlier in the table: paths under the data folder,
   * defaults made from the gateway id. Undefined for one left unset or switched off. */
  readonly value: (path: string) => unknown;
}

/** Checks a raw value (JSON from the file, text from the environment or a flag) and
 * returns the typed value, or throws a ConfigError naming `ctx.field`. */
export type SettingRule = (raw: unknown, ctx: SettingContext) => unknown;

/** A default computed from settings earlier in the table. */
export type DefaultFrom = (value: (path: string) => unknown) => unknown;

export interface Setting {
  /** Dotted key in the config file, and the same path in the resolved config. */
  readonly path: string;
  readonly env?: string;
  /** Long command-line flag, e.g. `--http-port`; the daemon's CLI registers it. */
  readonly flag?: string;
  readonly rule: SettingRule;
  /**
   * Used when no source gives a value; goes through the rule too, so the table cannot
   * hold a default its own rule refuses. `null` is a value (rule skipped). A function is
   * computed from earlier settings. No default and not `optional`: the setting is required
   * (inside an optional section, only when that section is on).
   */
  readonly default?: unknown;
  /** Unset means the key is left out of the resolved object, rather than null. */
  readonly optional?: boolean;
  /** Never enumerable in the resolved config (no JSON, no log line); printed as "***". */
  readonly secret?: boolean;
  /** How a printable view shows the value when it may hold credentials (a URL's password). */
  readonly display?: (value: unknown) => unknown;
}

export interface SettingsTable {
  /** In dependency order: a rule or default may read only settings listed before it. */
  readonly settings: readonly Setting[];
  /** Sections that are null unless given, e.g. an optional TLS listener. `false` or null
   * in the file turns one off; an object, or a flag or variable under it, turns it on. */
  readonly optionalSections?: readonly string[];
  /** Top-level file keys that are not settings and are ignored (e.g. `$schema`). */
  readonly ignoredKeys?: readonly string[];
}
