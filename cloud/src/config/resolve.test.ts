import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigFileError, hasCode } from '@wardlink/shared';
import { redactConfig, redactUrl, withDatabaseUrl } from './redact.js';
import { resolveCloudConfig } from './resolve.js';
import { SETTINGS } from './settings.js';
import { pathRule } from './rules.js';

const dir = mkdtempSync(join(tmpdir(), 'wl-cloud-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: unknown): string {
  const path = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Resolves with an empty environment unless one is given, so the host's env never leaks in. */
function resolveWith(opts: Parameters<typeof resolveCloudConfig>[0] = {}) {
  return resolveCloudConfig({ env: {}, cwd: '/srv/wl', ...opts });
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(hasCode(err, 'WL_CONFIG_INVALID')).toBe(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const SECRET_URL = 'postgres://wardlink:s3cr3t-pw@db.example:5432/wardlink';

describe('resolveCloudConfig', () => {
  it('fills every setting from the defaults, with units in the names', () => {
    const cfg = resolveWith();
    expect(cfg.server.port).toBe(8080);
    expect(cfg.database.poolMax).toBe(20);
    expect(cfg.database.statementTimeoutMs).toBe(30_000);
    expect(cfg.retention).toEqual({ hotDays: 90, archiveYears: 7, partitionPremakeDays: 14, maintenanceCron: '17 * * * *', compactAfterMinutes: 10, compactionConcurrency: 1 });
    expect(cfg.database.url).toBeUndefined();
    expect(cfg.dataDir).toBe('/srv/wl/.wardlink/cloud');
    expect(Object.isFrozen(cfg) && Object.isFrozen(cfg.database)).toBe(true);
  });

  it('takes the file over the defaults, the environment over the file, and flags over all (as the gateway does)', () => {
    const env = { PG_POOL_MAX: '7', WARDLINK_CLOUD_PORT: '9000', WARDLINK_HOT_DAYS: '30', DATABASE_URL: SECRET_URL };
    const path = file({ server: { port: 9100, host: '0.0.0.0', behindTlsProxy: true }, retention: { hotDays: 60 } });
    const cfg = resolveWith({ env, configFile: path, overrides: { retention: { hotDays: 45 } } });
    expect(cfg.database.poolMax).toBe(7);
    expect(cfg.server.port).toBe(9000);
    expect(cfg.server.host).toBe('0.0.0.0');
    expect(cfg.retention.hotDays).toBe(45);
    expect(cfg.database.url).toBe(SECRET_URL);
  });

  it('finds the file through WARDLINK_CLOUD_CONFIG and treats empty variables as unset', () => {
    const path = file({ database: { poolMax: 3 } });
    const cfg = resolveWith({ env: { WARDLINK_CLOUD_CONFIG: path, DATABASE_URL: '', PG_STATEMENT_TIMEOUT_MS: '  ' } });
    expect(cfg.database.poolMax).toBe(3);
    expect(cfg.database.url).toBeUndefined();
    expect(cfg.database.statementTimeoutMs).toBe(30_000);
  });

  it('takes the instance role from WARDLINK_CLOUD_ROLE, the file or a flag; all by default', () => {
    expect(resolveWith().server.role).toBe('all');
    expect(resolveWith({ env: { WARDLINK_CLOUD_ROLE: 'read' } }).server.role).toBe('read');
    expect(resolveWith({ configFile: file({ server: { role: 'ingest' } }), env: { WARDLINK_CLOUD_ROLE: 'read' }, overrides: { server: { role: 'ingest' } } }).server.role).toBe('ingest');
  });

  it('takes the serve flags by setting path, as typed, naming the flag on error; null in the file is "not set here"', () => {
    expect(resolveWith({ env: { WARDLINK_CLOUD_PORT: '9000' }, overrides: { 'server.port': '9001', 'server.role': 'read' } }).server).toMatchObject({ port: 9001, role: 'read' });
    expect(configErrorOf(() => resolveWith({ overrides: { 'server.port': '-1' } })).message).toMatch(/server\.port \(from --port\) must be an integer from 0 to 65535/);
    expect(resolveWith({ configFile: file({ database: { poolMax: null } }) }).database.poolMax).toBe(20);
  });

  it('resolves a relative data folder against the working directory', () => {
    expect(resolveWith({ env: { WARDLINK_DATA_DIR: 'var/data' } }).dataDir).toBe('/srv/wl/var/data');
    expect(resolveWith({ env: { WARDLINK_DATA_DIR: '/data' } }).dataDir).toBe('/data');
  });
});

describe('validation errors name the field and the source', () => {
  const cases: Array<[string, Parameters<typeof resolveCloudConfig>[0], string, RegExp]> = [
    ['non-numeric env integer', { env: { PG_POOL_MAX: 'lots' } }, 'database.poolMax', /from PG_POOL_MAX.*integer from 1 to 1000/],
    ['integer with a unit suffix', { env: { PG_STATEMENT_TIMEOUT_MS: '5s' } }, 'database.statementTimeoutMs', /PG_STATEMENT_TIMEOUT_MS/],
    ['integer below the minimum', { env: { PG_POOL_MAX: '0' } }, 'database.poolMax', /from 1 to 1000/],
    ['port out of range', { env: { WARDLINK_CLOUD_PORT: '70000' } }, 'server.port', /from 0 to 65535/],
    ['fractional number in the file', { configFile: 'FILE:{"retention":{"hotDays":1.5}}' }, 'retention.hotDays', /in .*cfg-/],
    ['quoted number in the file', { configFile: 'FILE:{"database":{"poolMax":"20"}}' }, 'database.poolMax', /integer/],
    ['non-postgres URL', { env: { DATABASE_URL: 'mysql://u:p@h/db' } }, 'database.url', /postgres:\/\//],
    ['unparseable URL', { env: { DATABASE_REPLICA_URL: 'not a url' } }, 'database.replicaUrl', /valid postgres/],
    ['bad cron', { overrides: { retention: { maintenanceCron: 'every hour' } } }, 'retention.maintenanceCron', /command line.*cron/],
    ['unknown log level', { env: { LOG_LEVEL: 'verbose' } }, 'log.level', /one of fatal/],
    ['bad host', { env: { WARDLINK_CLOUD_HOST: 'a b' } }, 'server.host', /host name/],
    ['unknown role', { env: { WARDLINK_CLOUD_ROLE: 'writer' } }, 'server.role', /from WARDLINK_CLOUD_ROLE.*one of all, ingest, read/],
    ['capacity percent above 100', { env: { WARDLINK_CAPACITY_ALERT_PCT: '120' } }, 'capacity.alertThresholdPct', /from 1 to 100/],
    ['unknown key, with a suggestion', { configFile: 'FILE:{"server":{"prot":8080}}' }, 'server.prot', /did you mean server\.port/],
    ['unknown section', { overrides: { databse: {} } }, 'databse', /did you mean database/],
    ['section that is not an object', { configFile: 'FILE:{"server":5}' }, 'server', /object of settings/],
    ['burst smaller than the largest batch', { env: { WARDLINK_RATE_LIMIT_BURST_READINGS: '10', WARDLINK_MAX_READINGS_PER_BATCH: '100' } }, 'server.rateLimitBurstReadings', /maxReadingsPerBatch/],
  ];

  it.each(cases)('%s', (_name, opts, field, message) => {
    const resolved = { ...opts };
    if (resolved.configFile?.startsWith('FILE:')) resolved.configFile = file(resolved.configFile.slice(5));
    const err = configErrorOf(() => resolveWith(resolved));
    expect(err.field).toBe(field);
    expect(err.detail.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('never echoes a password in an error', () => {
    const err = configErrorOf(() => resolveWith({ env: { DATABASE_URL: 'mysql://admin:hunter2@db/x' } }));
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err)).not.toContain('hunter2');
  });

  it('reports a missing or malformed file as WL_CONFIG_FILE', () => {
    expect(() => resolveWith({ configFile: join(dir, 'absent.json') })).toThrow(ConfigFileError);
    expect(() => resolveWith({ configFile: file('{ not json') })).toThrow(/not valid JSON/);
    expect(() => resolveWith({ configFile: file('[1,2]') })).toThrow(/JSON object/);
  });

  it('has a rule for every setting that rejects garbage (any string is a valid path)', () => {
    for (const spec of SETTINGS) {
      if (!spec.env || spec.rule === pathRule) continue;
      const err = configErrorOf(() => resolveWith({ env: { [spec.env!]: 'garbage value!' } }));
      expect(err.field).toBe(spec.path);
    }
  });
});

describe('secrets never reach a log', () => {
  const cfg = resolveWith({ env: { DATABASE_URL: SECRET_URL, DATABASE_REPLICA_URL: 'postgres://ro:replica-pw@replica/wardlink' } });

  it('keeps connection strings non-enumerable, so JSON, spread and inspect skip them', () => {
    expect(cfg.database.url).toBe(SECRET_URL);
    expect(JSON.stringify(cfg)).not.toContain('s3cr3t-pw');
    expect(inspect(cfg, { depth: 5 })).not.toContain('s3cr3t-pw');
    expect({ ...cfg.database }).not.toHaveProperty('url');
    expect(Object.keys(cfg.database)).not.toContain('replicaUrl');
  });

  it('redactConfig shows where the database is, masking the passwords', () => {
    const shown = redactConfig(cfg);
    expect(shown.database.url).toBe('postgres://wardlink:***@db.example:5432/wardlink');
    expect(shown.database.replicaUrl).toBe('postgres://ro:***@replica/wardlink');
    expect(shown.database.poolMax).toBe(20);
    expect(JSON.stringify(shown)).not.toMatch(/s3cr3t-pw|replica-pw/);
  });

  it('redactUrl masks query-string passwords and unparseable strings too', () => {
    expect(redactUrl('postgres://h/db?password=abc&sslmode=require')).toBe('postgres://h/db?password=***&sslmode=require');
    expect(redactUrl('postgres://u:p w@h')).not.toContain('p w');
  });

  it('withDatabaseUrl swaps the primary URL and keeps it secret', () => {
    const db = withDatabaseUrl(cfg.database, 'postgres://postgres:embedded-pw@127.0.0.1:5555/wardlink');
    expect(db.url).toContain('embedded-pw');
    expect(db.replicaUrl).toContain('replica-pw');
    expect(db.poolMax).toBe(20);
    expect(JSON.stringify(db)).not.toContain('embedded-pw');
  });
});
