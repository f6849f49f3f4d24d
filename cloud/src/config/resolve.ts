/**
 * The one place the cloud service's configuration is resolved and validated. Called once
 * at startup; a bad value stops the service with a ConfigError naming the field.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigFileError } from '@wardlink/shared';
import { defineSecret } from './redact.js';
import type { Origin, RuleContext } from './rules.js';
import { CONFIG_FILE_ENV, SETTINGS, type CloudConfig } from './schema.js';

/** A nested, partial config as written in the JSON file or passed as overrides. */
export type ConfigInput = { [key: string]: unknown };

export interface ResolveConfigOptions {
  /** Path of the JSON config file; defaults to $WARDLINK_CLOUD_CONFIG; none if neither. */
  configFile?: string;
  /** The environment to read; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Explicit values (CLI flags), nested like the file; they win over everything. */
  overrides?: ConfigInput;
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string;
}

const KNOWN_PATHS = new Set(SETTINGS.map((s) => s.path));
const KNOWN_SECTIONS = new Set(SETTINGS.filter((s) => s.path.includes('.')).map((s) => s.path.split('.')[0]!));

export function resolveCloudConfig(options: ResolveConfigOptions = {}): CloudConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const filePath = options.configFile ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const fromFile = filePath === undefined ? new Map<string, unknown>() : flatten(readConfigFile(filePath), '', filePath);
  const fromOverrides = flatten(options.overrides ?? {}, '', undefined);

  const flat = new Map<string, unknown>();
  for (const spec of SETTINGS) {
    const envValue = spec.env === undefined ? undefined : nonEmpty(env[spec.env]);
    let raw: unknown;
    let origin: Origin;
    // One precedence for both daemons: flags, then the environment, then the file, then
    // defaults (the gateway's config/load.ts resolves in the same order).
    if (fromOverrides.has(spec.path)) [raw, origin] = [fromOverrides.get(spec.path), { kind: 'override' }];
    else if (envValue !== undefined) [raw, origin] = [envValue, { kind: 'env', name: spec.env! }];
    else if (fromFile.has(spec.path)) [raw, origin] = [fromFile.get(spec.path), { kind: 'file', path: filePath! }];
    else [raw, origin] = [spec.default, { kind: 'default' }];
    const ctx: RuleContext = { field: spec.path, origin, cwd };
    flat.set(spec.path, raw === undefined || raw === null ? undefined : spec.rule(raw, ctx));
  }
  checkRelations(flat);
  return build(flat);
}

/** Empty variables count as unset, so `DATABASE_URL= cmd` means "no external database". */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readConfigFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(path, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigFileError(path, 'must hold a JSON object');
  }
  return parsed as ConfigInput;
}

/** Flattens a nested input to dotted paths, rejecting keys that are not settings. */
function flatten(input: ConfigInput, prefix: string, filePath: string | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const source = filePath === undefined ? 'in the overrides' : `in ${filePath}`;
  for (const [key, value] of Object.entries(input)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (KNOWN_PATHS.has(path)) {
      out.set(path, value);
    } else if (prefix === '' && KNOWN_SECTIONS.has(key)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ConfigError(path, `${source} must be an object of settings`, value);
      }
      for (const [p, v] of flatten(value as ConfigInput, path, filePath)) out.set(p, v);
    } else {
      const guess = closest(path);
      throw new ConfigError(path, `${source} is not a known setting${guess ? `; did you mean ${guess}?` : ''}`);
    }
  }
  return out;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

function checkRelations(flat: Map<string, unknown>): void {
  const cert = flat.get('server.tlsCertFile');
  const key = flat.get('server.tlsKeyFile');
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('server.tlsKeyFile', 'and server.tlsCertFile must be set together');
  const host = flat.get('server.host') as string;
  if (cert === undefined && !flat.get('server.behindTlsProxy') && !isLoopback(host)) {
    throw new ConfigError(
      'server.host',
      `is ${host}, off loopback, without TLS: gateway tokens, reader tokens and patients' readings would cross the network in clear. Set server.tlsCertFile and server.tlsKeyFile, or server.behindTlsProxy when a TLS proxy in front terminates it`,
      host,
    );
  }
  const burst = flat.get('server.rateLimitBurstReadings') as number;
  const maxBatch = flat.get('server.maxReadingsPerBatch') as number;
  if (burst < maxBatch) {
    // A bucket smaller than the largest batch would refuse that batch forever.
    throw new ConfigError('server.rateLimitBurstReadings', `must be at least server.maxReadingsPerBatch (${maxBatch})`, burst);
  }
}

function build(flat: Map<string, unknown>): CloudConfig {
  const root: Record<string, Record<string, unknown> | unknown> = {};
  for (const spec of SETTINGS) {
    const parts = spec.path.split('.');
    const value = flat.get(spec.path);
    let target = root as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    const leaf = parts[parts.length - 1]!;
    if (spec.secret) defineSecret(target, leaf, value as string | undefined);
    else target[leaf] = value;
  }
  for (const section of Object.values(root)) if (section !== null && typeof section === 'object') Object.freeze(section);
  return Object.freeze(root) as unknown as CloudConfig;
}

function closest(path: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of [...KNOWN_PATHS, ...KNOWN_SECTIONS]) {
    const d = editDistance(path.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
