import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/pg.js';
import { runCli } from './program.js';
import { EXIT, type Out } from './output.js';

const db = useTestDatabase();

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink: Out = { json: args.includes('--json'), stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await runCli(args, { out: sink, env: { DATABASE_URL: db.connectionString } });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('wardlink-cloud reader', () => {
  it('add prints a reader token once and stores only its hash', async () => {
    expect((await cli(['hospital', 'add', 'h-read'])).code).toBe(EXIT.OK);
    const res = await cli(['reader', 'add', '--hospital', 'h-read', '--name', 'ICU dashboard', '--json']);
    expect(res.code).toBe(EXIT.OK);
    const added = JSON.parse(res.stdout) as { token: string; readerId: string; tokenPrefix: string; hospitalId: string; name: string };
    expect(added).toMatchObject({ hospitalId: 'h-read', name: 'ICU dashboard' });
    expect(added.token).toMatch(/^wlrd_[A-Za-z0-9_-]{43}$/);
    expect(added.token.startsWith(added.tokenPrefix)).toBe(true);
    const row = await db.pool.query('SELECT * FROM api_readers WHERE reader_id = $1', [added.readerId]);
    expect(row.rows[0].token_hash).toBe(createHash('sha256').update(added.token).digest('hex'));
    expect(JSON.stringify(row.rows)).not.toContain(added.token.slice(added.tokenPrefix.length));

    const human = await cli(['reader', 'add', '--hospital', 'h-read', '--name', 'Research export']);
    const tokens = human.stdout.match(/wlrd_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(1);

    const list = await cli(['reader', 'list', '--hospital', 'h-read']);
    expect(list.stdout).toContain('Research export');
    expect(list.stdout).toContain(added.tokenPrefix);
    expect(list.stdout).not.toContain(added.token);
    expect(list.stdout).not.toContain(tokens[0]!);
  });

  it('revoke marks the reader revoked; list shows it', async () => {
    await cli(['hospital', 'add', 'h-rev']);
    const added = JSON.parse((await cli(['reader', 'add', '--hospital', 'h-rev', '--name', 'old tool', '--json'])).stdout) as { readerId: string };
    const revoked = await cli(['reader', 'revoke', added.readerId, '--json']);
    expect(revoked.code).toBe(EXIT.OK);
    expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
    const listed = JSON.parse((await cli(['reader', 'list', '--json'])).stdout) as Array<{ readerId: string; status: string }>;
    expect(listed.find((r) => r.readerId === added.readerId)?.status).toBe('revoked');
    expect(listed.every((r) => !('token' in r))).toBe(true);
  });

  it('refuses an unknown hospital, a bad name and an unknown reader with stable codes', async () => {
    const unknown = await cli(['reader', 'add', '--hospital', 'h-typo', '--name', 'x', '--json']);
    expect(unknown.code).toBe(EXIT.NOT_FOUND);
    expect(JSON.parse(unknown.stderr).error.code).toBe('WL_NOT_FOUND');
    expect((await db.pool.query("SELECT count(*)::int AS n FROM hospitals WHERE hospital_id = 'h-typo'")).rows[0].n).toBe(0);
    expect((await cli(['reader', 'add', '--hospital', 'h-read', '--name', '  '])).code).toBe(EXIT.USAGE);
    expect((await cli(['reader', 'add', '--hospital', 'h read', '--name', 'x'])).code).toBe(EXIT.USAGE);
    const missing = await cli(['reader', 'revoke', 'rd-nope']);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toMatch(/^error WL_NOT_FOUND/);
  });
});
