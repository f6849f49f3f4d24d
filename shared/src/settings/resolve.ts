/**
 * Resolves a settings table against its sources with the one precedence both daemons use:
 * command-line flags over the environment, over the config file, over the defaults. Every
 * value goes through its rule once, here, at start; a bad one throws a ConfigError naming
 * the setting.
 */
import { ConfigError } from '../errors/index.js';
import { flattenSettings } from './flatten.js';
import { optionalSectionOf, shapeOf } from './shape.js';
import type { DefaultFrom, Setting, SettingContext, SettingOrigin, SettingsTable } from './table.js';

export interface SettingSources {
  /** The config file's JSON object, and its path for messages. */
  readonly file?: { readonly values: Readonly<Record<string, unknown>>; readonly path?: string };
  /** Defaults to no variables: callers pass process.env explicitly, so tests stay hermetic. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line values by setting path, as typed. */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Folder relative paths are resolved against; defaults to process.cwd(). */
  readonly base?: string;
}

export interface ResolvedSettings {
  /** Value by path (null is a value). A missing path was left unset (an optional setting)
   * or lies in an optional section that is off. */
  readonly values: ReadonlyMap<string, unknown>;
  readonly origins: ReadonlyMap<string, SettingOrigin>;
  /** Optional sections that are off: they resolve to null. */
  readonly off: ReadonlySet<string>;
}

export function resolveSettings(table: SettingsTable, sources: SettingSources = {}): ResolvedSettings {
  const shape = shapeOf(table);
  const filePath = sources.file?.path;
  const file = sources.file ? flattenSettings(table, sources.file.values, filePath) : { leaves: new Map<string, unknown>(), on: new Set<string>() };
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  for (const path of Object.keys(flags)) if (!shape.paths.has(path)) throw new ConfigError(path, 'is not a known setting (given on the command line)');
  const base = sources.base ?? process.cwd();

  const given = (s: Setting): [unknown, SettingOrigin] | undefined => {
    if (flags[s.path] !== undefined) return [flags[s.path], { kind: 'flag', name: s.flag ?? s.path }];
    const fromEnv = s.env === undefined ? undefined : env[s.env];
    // An empty variable counts as unset, so `WARDLINK_HTTP_PORT= cmd` falls through to the file.
    if (fromEnv !== undefined && fromEnv.trim() !== '') return [fromEnv, { kind: 'env', name: s.env! }];
    // null in the file means "not set here": the default applies (`config set key null`).
    const fromFile = file.leaves.get(s.path);
    if (fromFile !== undefined && fromFile !== null) return [fromFile, { kind: 'file', path: filePath }];
    return undefined;
  };

  // An optional section is on when the file gives it as an object, or a flag or variable
  // sets something under it (they win over the file's `false`, as everywhere else).
  const setOutsideFile = (s: Setting) => {
    const found = given(s);
    return found !== undefined && found[1].kind !== 'file';
  };
  const off = new Set<string>();
  for (const section of shape.optional) {
    if (!file.on.has(section) && !table.settings.some((s) => s.path.startsWith(`${section}.`) && setOutsideFile(s))) off.add(section);
  }

  const values = new Map<string, unknown>();
  const origins = new Map<string, SettingOrigin>();
  const value = (path: string) => values.get(path);
  for (const s of table.settings) {
    const section = optionalSectionOf(shape, s.path);
    if (section !== undefined && off.has(section)) continue;
    let found = given(s);
    if (found === undefined && Object.hasOwn(s, 'default')) {
      // A copy, so a config never shares a mutable default (a list, a map) with another.
      const fallback = typeof s.default === 'function' ? (s.default as DefaultFrom)(value) : structuredClone(s.default);
      found = [fallback, { kind: 'default' }];
    }
    if (found === undefined) {
      if (s.optional) continue;
      throw new ConfigError(s.path, section === undefined ? 'is required' : `is required when ${section} is set`);
    }
    const [raw, origin] = found;
    const ctx: SettingContext = { field: s.path, origin, base, value };
    values.set(s.path, raw === null ? null : s.rule(raw, ctx));
    origins.set(s.path, origin);
  }
  return { values, origins, off };
}
