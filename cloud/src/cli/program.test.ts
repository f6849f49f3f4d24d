import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, useTestDatabase } from '../testing/pg.js';
import { runCli } from './program.js';
import { EXIT, type Out } from './output.js';

const db = useTestDatabase();

function capture(json: boolean): Out & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { json, out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

async function cli(args: string[], url = db.connectionString) {
  const out = capture(args.includes('--json'));
  const code = await runCli(args, { out, env: { DATABASE_URL: url } });
  return { code, stdout: out.out.join(''), stderr: out.err.join('') };
}

describe('wardlink-cloud', () => {
  it('migrate applies every migration once and is idempotent', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const first = await cli(['migrate', '--json'], fresh.connectionString);
      expect(first.code).toBe(EXIT.OK);
      const applied = JSON.parse(first.stdout) as { applied: number[]; currentVersion: number };
      expect(applied.applied).toEqual(Array.from({ length: applied.currentVersion }, (_, i) => i + 1));
      const again = await cli(['migrate'], fresh.connectionString);
      expect(again.code).toBe(EXIT.OK);
      expect(again.stdout).toMatch(/already at version \d+/);
    } finally {
      await fresh.drop();
    }
  });

  it('gateway add prints the token once and stores only its hash', async () => {
    const res = await cli(['gateway', 'add', '--hospital', 'h-cli', '--ward', 'icu', '--json']);
    expect(res.code).toBe(EXIT.OK);
    const added = JSON.parse(res.stdout) as { token: string; gatewayId: string; tokenPrefix: string; hospitalId: string };
    expect(added.gatewayId).toBe('h-cli-icu');
    expect(added.token).toMatch(/^wlgw_[A-Za-z0-9_-]{43}$/);
    expect(added.token.startsWith(added.tokenPrefix)).toBe(true);
    const row = await db.pool.query('SELECT * FROM gateways WHERE gateway_id = $1', ['h-cli-icu']);
    expect(row.rows[0].token_hash).toBe(createHash('sha256').update(added.token).digest('hex'));
    expect(JSON.stringify(row.rows)).not.toContain(added.token.slice(added.tokenPrefix.length));
    const wards = await db.pool.query("SELECT ward_id FROM wards WHERE hospital_id = 'h-cli'");
    expect(wards.rows).toEqual([{ ward_id: 'icu' }]);

    const human = await cli(['gateway', 'add', '--hospital', 'h-cli', '--ward', 'card', '--id', 'gw-card-1']);
    const tokens = human.stdout.match(/wlgw_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(1);

    const list = await cli(['gateway', 'list', '--hospital', 'h-cli']);
    expect(list.stdout).toContain('gw-card-1');
    expect(list.stdout).toContain(added.tokenPrefix);
    expect(list.stdout).not.toContain(added.token);
    expect(list.stdout).not.toContain(tokens[0]!);
  });

  it('revoke and rotate-token change what the stored hash accepts', async () => {
    await cli(['gateway', 'add', '--hospital', 'h-cli', '--ward', 'rot', '--id', 'gw-rot']);
    const revoked = await cli(['gateway', 'revoke', 'gw-rot', '--json']);
    expect(revoked.code).toBe(EXIT.OK);
    expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
    const rotated = JSON.parse((await cli(['gateway', 'rotate-token', 'gw-rot', '--json'])).stdout) as { token: string; revokedAt: string | null };
    expect(rotated.revokedAt).toBeNull();
    const row = await db.pool.query('SELECT token_hash FROM gateways WHERE gateway_id = $1', ['gw-rot']);
    expect(row.rows[0].token_hash).toBe(createHash('sha256').update(rotated.token).digest('hex'));
    const listed = JSON.parse((await cli(['gateway', 'list', '--json'])).stdout) as Array<{ gatewayId: string; status: string }>;
    expect(listed.find((g) => g.gatewayId === 'gw-rot')?.status).toBe('active');
  });

  it('reports errors on stderr with stable codes and exit codes', async () => {
    await cli(['gateway', 'add', '--hospital', 'h-cli', '--ward', 'dup', '--id', 'gw-dup']);
    const dup = await cli(['gateway', 'add', '--hospital', 'h-cli', '--ward', 'dup', '--id', 'gw-dup', '--json']);
    expect(dup.code).toBe(EXIT.CONFLICT);
    expect(JSON.parse(dup.stderr).error.code).toBe('WL_ALREADY_EXISTS');
    const missing = await cli(['gateway', 'revoke', 'gw-nope']);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toMatch(/^error WL_NOT_FOUND/);
    expect((await cli(['gateway', 'add', '--hospital', 'h cli', '--ward', 'x'])).code).toBe(EXIT.USAGE);
    expect((await cli(['gateway', 'add', '--ward', 'x'])).code).toBe(EXIT.USAGE);
    expect((await cli(['hospital', 'add', 'h-new', '--name', 'New General'])).code).toBe(EXIT.OK);
    expect((await cli(['hospital', 'add', 'h-new'])).code).toBe(EXIT.CONFLICT);
    const hospitals = JSON.parse((await cli(['hospital', 'list', '--json'])).stdout) as Array<{ hospitalId: string; name: string }>;
    expect(hospitals).toContainEqual(expect.objectContaining({ hospitalId: 'h-new', name: 'New General' }));
    const down = await cli(['gateway', 'list'], 'postgres://postgres@127.0.0.1:1/none?connect_timeout=1');
    expect(down.code).toBe(EXIT.UNAVAILABLE);
    expect(down.stderr).toContain('WL_DB_UNAVAILABLE');
  });

  it('serve runs as a real process and stops gracefully on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cloud/src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--json'], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: db.connectionString, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = await new Promise<{ url: string }>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]!) as { url: string });
      });
      child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
    });
    expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/"lifecycle":true[^\n]*wardlink-cloud is serving/);
    expect(stderr).toContain('"msg":"stopped"');
  }, 30_000);
});
