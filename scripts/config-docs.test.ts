/**
 * The configuration references stay true: the committed documents are what the settings
 * tables render now, every setting is documented, and what they say about variables and
 * flags holds in the real resolvers and CLIs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCloudConfig } from '@wardlink/cloud';
import { loadGatewayConfig } from '@wardlink/gateway';
import { CONFIG_DOC_TARGETS, REPO_ROOT } from './config-docs-targets.js';

const committed = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

interface DocRow {
  key: string;
  env: string;
  flag: string;
}

/** The rows of a committed reference: key, variable and flag, as a reader sees them. */
function rowsOf(file: string): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const line of committed(file).split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/^`|`$/g, ''));
    rows.set(cells[0]!, { key: cells[0]!, env: cells[4]!, flag: cells[5]! });
  }
  return rows;
}

describe('configuration references', () => {
  for (const target of CONFIG_DOC_TARGETS) {
    it(`${target.file} is what the settings table renders now`, () => {
      const { markdown } = target.render();
      const fresh = markdown === committed(target.file);
      expect(fresh, `${target.file} differs from the settings table: run \`pnpm config-docs\` and commit the result`).toBe(true);
    });

    it(`${target.file} documents every setting (description and type)`, () => {
      const { problems } = target.render();
      expect(problems, `undocumented settings:\n${problems.join('\n')}`).toEqual([]);
    });
  }
});

/** A variable per case, as the document lists it for the key, and what it must resolve to. */
interface EnvCase {
  key: string;
  env: string;
  text: string;
  want: unknown;
}

function expectDocumented(file: string, cases: readonly EnvCase[]): void {
  const rows = rowsOf(file);
  for (const c of cases) expect(rows.get(c.key)?.env, `${file} should list ${c.env} for ${c.key}`).toBe(c.env);
}

const at = (config: object, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);

describe('a documented variable sets its key in the real resolver', () => {
  it('gateway', () => {
    const cases: EnvCase[] = [
      { key: 'gatewayId', env: 'WARDLINK_GATEWAY_ID', text: 'icu-7b', want: 'icu-7b' },
      { key: 'http.port', env: 'WARDLINK_HTTP_PORT', text: '9123', want: 9123 },
      { key: 'log.level', env: 'WARDLINK_LOG_LEVEL', text: 'debug', want: 'debug' },
      { key: 'buffer.durability', env: 'WARDLINK_DURABILITY', text: 'normal', want: 'normal' },
      { key: 'cloud.url', env: 'WARDLINK_CLOUD_URL', text: 'https://cloud.example.test', want: 'https://cloud.example.test' },
      { key: 'cloud.token', env: 'WARDLINK_CLOUD_TOKEN', text: 'tok-123', want: 'tok-123' },
    ];
    expectDocumented('docs/gateway-config.md', cases);
    const base = loadGatewayConfig({ path: join(REPO_ROOT, 'no-such-dir', 'gateway.json'), env: {}, allowMissingFile: true });
    for (const c of cases) {
      const config = loadGatewayConfig({ path: join(REPO_ROOT, 'no-such-dir', 'gateway.json'), env: { [c.env]: c.text }, allowMissingFile: true });
      expect(at(base, c.key), `${c.key} default must differ from the test value`).not.toEqual(c.want);
      expect(at(config, c.key), `${c.env} sets ${c.key}`).toEqual(c.want);
    }
  });

  it('cloud', () => {
    const cases: EnvCase[] = [
      { key: 'server.port', env: 'WARDLINK_CLOUD_PORT', text: '9124', want: 9124 },
      { key: 'database.poolMax', env: 'PG_POOL_MAX', text: '7', want: 7 },
      { key: 'server.behindTlsProxy', env: 'WARDLINK_BEHIND_TLS_PROXY', text: 'true', want: true },
      { key: 'retention.maintenanceCron', env: 'WARDLINK_MAINTENANCE_CRON', text: '5 * * * *', want: '5 * * * *' },
      { key: 'log.level', env: 'LOG_LEVEL', text: 'debug', want: 'debug' },
      { key: 'database.url', env: 'DATABASE_URL', text: 'postgres://u:pw@db.example.test/wl', want: 'postgres://u:pw@db.example.test/wl' },
    ];
    expectDocumented('docs/cloud-config.md', cases);
    const base = resolveCloudConfig({ env: {}, cwd: REPO_ROOT });
    for (const c of cases) {
      const config = resolveCloudConfig({ env: { [c.env]: c.text }, cwd: REPO_ROOT });
      expect(at(base, c.key), `${c.key} default must differ from the test value`).not.toEqual(c.want);
      expect(at(config, c.key), `${c.env} sets ${c.key}`).toEqual(c.want);
    }
  });
});

/** `--help` of a real CLI process. */
function help(main: string, ...args: string[]): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', main, ...args, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('a documented flag is offered by the real CLI', () => {
  // Two CLI processes (tsx start-up each): seconds alone, more on a loaded box.
  it('gateway and cloud', { timeout: 120_000 }, () => {
    const gatewayFlags = [...rowsOf('docs/gateway-config.md').values()].map((r) => r.flag).filter((f) => f !== '');
    const cloudFlags = [...rowsOf('docs/cloud-config.md').values()].map((r) => r.flag).filter((f) => f !== '');
    expect(gatewayFlags).toContain('--http-port');
    expect(cloudFlags).toContain('serve --port');
    const gatewayHelp = help('gateway/src/cli/main.ts');
    for (const flag of gatewayFlags) expect(gatewayHelp, `wardlink-gateway --help should offer ${flag}`).toContain(`${flag} <value>`);
    const byCommand = new Map<string, string[]>();
    for (const flag of cloudFlags) {
      const [command, option] = flag.split(' ');
      byCommand.set(command!, [...(byCommand.get(command!) ?? []), option!]);
    }
    for (const [command, options] of byCommand) {
      const text = help('cloud/src/cli/main.ts', command);
      for (const option of options) expect(text, `wardlink-cloud ${command} --help should offer ${option}`).toContain(`${option} <`);
    }
  });
});
