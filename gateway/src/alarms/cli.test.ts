/**
 * `rule ...` and `alarms ...` in-process through `runCli`, on a real database, with a
 * real alarm service (the daemon's side) on a second connection for `alarms ack`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCommands, runCli } from '../cli/program.js';
import { registerAlarmCommands } from '../cli/commands/alarms.js';
import { registerRuleCommands } from '../cli/commands/rules.js';
import type { Out } from '../cli/output.js';
import { openAlarmService } from './service.js';

let dir: string;
let env: NodeJS.ProcessEnv;

async function cli(...argv: string[]): Promise<{ code: number; json: unknown; stdout: string; error: { code: string; message: string } | undefined }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: Out = { json: true, stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) };
  const code = await runCli(['--json', ...argv], { out, env });
  const text = stdout.join('');
  const err = stderr.length ? (JSON.parse(stderr.join('')) as { error: { code: string; message: string } }).error : undefined;
  return { code, json: text ? JSON.parse(text) : undefined, stdout: text, error: err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-alarm-cli-'));
  env = { WARDLINK_GATEWAY_CONFIG: join(dir, 'gateway.json') };
  // Until the lead lists these registrars in program.ts, add them here.
  if ((await cli('rule', 'list')).error?.code === 'WL_USAGE') addCommands(registerRuleCommands, registerAlarmCommands);
  expect((await cli('init', '--gateway-id', 'gw-cli')).code).toBe(0);
  expect((await cli('bed', 'add', 'bed-01')).code).toBe(0);
  expect((await cli('admit', '--bed', 'bed-01', '--patient', 'P-copd')).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rule commands', () => {
  it('lists the ward defaults, adds a patient override, and tests values against it', async () => {
    const list = await cli('rule', 'list', '--metric', 'SPO2');
    expect(list.code).toBe(0);
    expect((list.json as { ruleId: string }[]).map((r) => r.ruleId)).toEqual(['default-spo2', 'default-spo2-desat']);

    const added = await cli('rule', 'add', '--patient', 'P-copd', '--metric', 'SPO2', '--low', '88', '--id', 'copd-spo2', '--by', 'dr-lee', '--note', 'COPD 88-92');
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({ ruleId: 'copd-spo2', scope: 'patient', scopeId: 'P-copd', lowLimit: 88, lowPriority: 'medium', delayMs: 10_000 });

    const within = await cli('rule', 'test', '--bed', 'bed-01', '--metric', 'SPO2', '--value', '89');
    expect(within.json).toMatchObject({ patientId: 'P-copd', alarm: null });
    const low = await cli('rule', 'test', '--bed', 'bed-01', '--metric', 'SPO2', '--value', '86');
    expect(low.json).toMatchObject({ alarm: { direction: 'low', priority: 'medium', ruleId: 'copd-spo2', afterMs: 10_000 } });
    const other = await cli('rule', 'test', '--bed', 'bed-01', '--patient', 'P-other', '--metric', 'SPO2', '--value', '89');
    expect(other.json).toMatchObject({ alarm: { ruleId: 'default-spo2' } });
  });

  it('changes, disables and removes a rule, and shows the audit of who did it', async () => {
    await cli('rule', 'add', '--bed', 'bed-01', '--metric', 'HR', '--high', '140', '--high-priority', 'high', '--delay', '5', '--id', 'b1-hr', '--by', 'dr-lee');
    const set = await cli('rule', 'set', 'b1-hr', '--high', '135', '--delay', '2.5', '--by', 'dr-kim');
    expect(set.json).toMatchObject({ highLimit: 135, highPriority: 'high', delayMs: 2500 });
    expect((await cli('rule', 'set', 'b1-hr', '--disable', '--by', 'nurse-ann')).json).toMatchObject({ enabled: false });
    expect((await cli('rule', 'remove', 'b1-hr', '--by', 'it-bob')).code).toBe(0);
    const changes = await cli('rule', 'changes', 'b1-hr');
    expect((changes.json as { action: string; actor: string }[]).map((c) => `${c.action}:${c.actor}`)).toEqual(['remove:it-bob', 'disable:nurse-ann', 'set:dr-kim', 'add:dr-lee']);
  });

  it('fails with stable codes and meaningful exit codes', async () => {
    const invalid = await cli('rule', 'add', '--metric', 'SPO2', '--low', '120');
    expect(invalid.code).not.toBe(0);
    expect(invalid.error).toMatchObject({ code: 'WL_RULE_INVALID' });
    expect(invalid.error!.message).toMatch(/lowLimit must be a number within 0-100/);
    expect((await cli('rule', 'remove', 'no-such-rule')).error).toMatchObject({ code: 'WL_RULE_NOT_FOUND' });
    const usage = await cli('rule', 'add', '--metric', 'HR', '--low', 'forty');
    expect(usage).toMatchObject({ code: 2, error: { code: 'WL_USAGE' } });
    const bed = await cli('rule', 'test', '--bed', 'bed-99', '--metric', 'HR', '--value', '50');
    expect(bed).toMatchObject({ code: 3, error: { code: 'WL_NOT_FOUND' } });
    expect((await cli('rule', 'set', 'default-hr')).error).toMatchObject({ code: 'WL_USAGE' });
  });
});

describe('alarms commands', () => {
  it('lists, acknowledges through the running daemon, and shows the history', async () => {
    const db = new Database(join(dir, 'gateway.db'));
    const daemon = openAlarmService(db, { auditFlushEveryMs: 10 });
    daemon.start();
    try {
      const now = Date.now();
      const device = { deviceId: 'mon-1', bedId: 'bed-01', kind: 'serial', format: 'ascii-kv' };
      daemon.engine.onRecord([{ gatewayId: 'gw-cli', deviceId: 'mon-1', bedId: 'bed-01', patientId: 'P-copd', metric: 'NIBP_SYS', deviceTimeMs: now, receivedAtMs: now, value: 72, flags: 0 }], device);
      daemon.audit.flushNow();
      const active = await cli('alarms', 'list', '--active');
      const [alarm] = active.json as { alarmId: string; priority: string; metric: string; acknowledged: boolean }[];
      expect(alarm).toMatchObject({ priority: 'medium', metric: 'NIBP_SYS', acknowledged: false });

      const ack = await cli('alarms', 'ack', alarm!.alarmId, '--by', 'nurse-ann');
      expect(ack.code).toBe(0);
      expect(ack.json).toMatchObject({ alarmId: alarm!.alarmId, acknowledgedBy: 'nurse-ann' });
      expect(daemon.engine.activeAlarms()[0]).toMatchObject({ acknowledged: true, acknowledgedBy: 'nurse-ann' });
      const again = await cli('alarms', 'ack', alarm!.alarmId, '--by', 'nurse-bo');
      expect(again.error).toMatchObject({ code: 'WL_ALARM_ALREADY_ACKNOWLEDGED' });

      daemon.audit.flushNow();
      const history = await cli('alarms', 'history', '--alarm', alarm!.alarmId);
      expect((history.json as { phase: string; actor: string | null }[]).map((e) => `${e.phase}:${e.actor}`)).toEqual(['acknowledged:nurse-ann', 'raised:null']);
      const printed: string[] = [];
      const human = await runCli(['alarms', 'list'], { env, out: { json: false, stdout: (t) => printed.push(t), stderr: (t) => printed.push(t) } });
      expect(human).toBe(0);
      expect(printed.join('\n')).toMatch(/NIBP_SYS low .*acked by nurse-ann/);
    } finally {
      daemon.stop();
      db.close();
    }
    // Nobody running: the request is withdrawn and the nurse is told.
    const orphan = await cli('alarms', 'ack', 'a-unknown', '--by', 'nurse-cy', '--timeout-ms', '200');
    expect(orphan.error).toMatchObject({ code: 'WL_ALARM_ACK_TIMEOUT' });
    expect((await cli('alarms', 'history', '--since', 'yesterday')).error).toMatchObject({ code: 'WL_USAGE' });
  });
});
