import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './credentials.js';
import { registryMigrations } from './migrations.js';
import { Registry } from './registry.js';

let dir: string;
let path: string;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-registry-'));
  path = join(dir, 'gateway.db');
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  for (const m of registryMigrations) db.exec(m.sql);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('registry', () => {
  it('keeps beds, devices and admissions, and refuses what does not exist', () => {
    const reg = new Registry(db, () => 1000);
    reg.addBed('bed-01');
    expect(() => reg.addBed('bed-01')).toThrow(expect.objectContaining({ code: 'WL_ALREADY_EXISTS' }));
    expect(() => reg.addDevice({ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-99', format: 'mqtt-json' })).toThrow(
      expect.objectContaining({ code: 'WL_NOT_FOUND' }),
    );
    reg.addDevice({ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json', mqttUsername: 'mon-1' });
    expect(reg.deviceByUsername('mon-1')?.bedId).toBe('bed-01');
    expect(() => reg.addBed('bad id!')).toThrow(expect.objectContaining({ code: 'WL_USAGE' }));

    expect(reg.patientOf('bed-01')).toBeNull();
    reg.admit('bed-01', 'P1');
    expect(reg.patientOf('bed-01')).toBe('P1');
    reg.admit('bed-01', 'P2', 'device', 2000);
    expect(reg.patientOf('bed-01')).toBe('P2');
    const history = db.prepare('SELECT patient_id, discharged_at_ms FROM admissions ORDER BY admitted_at_ms').all();
    expect(history).toEqual([
      { patient_id: 'P1', discharged_at_ms: 2000 },
      { patient_id: 'P2', discharged_at_ms: null },
    ]);
    reg.discharge('bed-01');
    expect(reg.patientOf('bed-01')).toBeNull();
    expect(() => reg.discharge('bed-01')).toThrow(expect.objectContaining({ code: 'WL_NOT_FOUND' }));
  });

  it('keeps a patient in one bed at a time, and audits every change with its source', () => {
    const reg = new Registry(db, () => 5000);
    reg.addBed('bed-01');
    reg.addBed('bed-02');
    reg.admit('bed-01', 'P1', 'adt', 1000, { reference: 'MSG1^A01' });
    reg.admit('bed-02', 'P1', 'adt', 2000, { reference: 'MSG2^A02', action: 'transfer-in' });
    expect([reg.patientOf('bed-01'), reg.patientOf('bed-02')]).toEqual([null, 'P1']);
    reg.admit('bed-02', 'P7', 'cli', 3000, { reference: 'it-desk' });
    expect(reg.admissions.openAdmissions()).toEqual([{ bedId: 'bed-02', patientId: 'P7', admittedAtMs: 3000, source: 'cli' }]);
    expect(reg.admissions.history().map((e) => [e.atMs, e.bedId, e.action, e.patientId, e.previousPatientId, e.source, e.reference])).toEqual([
      [3000, 'bed-02', 'admit', 'P7', 'P1', 'cli', 'it-desk'],
      [3000, 'bed-02', 'discharge', null, 'P1', 'cli', 'it-desk'],
      [2000, 'bed-02', 'transfer-in', 'P1', null, 'adt', 'MSG2^A02'],
      [2000, 'bed-01', 'transfer-out', null, 'P1', 'adt', 'MSG2^A02'],
      [1000, 'bed-01', 'admit', 'P1', null, 'adt', 'MSG1^A01'],
    ]);
    expect(reg.admissions.history({ patientId: 'P1' })).toHaveLength(5);
  });

  it('waits only briefly for a lock another process holds, and changes nothing then', () => {
    const reg = new Registry(db);
    reg.addBed('bed-01');
    const cli = new Database(path);
    cli.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    expect(() => reg.admit('bed-01', 'P1', 'device', 1000, { busyWaitMs: 20 })).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(reg.patientOf('bed-01')).toBeNull();
    cli.exec('ROLLBACK');
    cli.close();
    reg.admit('bed-01', 'P1', 'device', 1000, { busyWaitMs: 20 });
    expect(reg.patientOf('bed-01')).toBe('P1');
  });

  it('sees changes committed by another process connection without a restart', () => {
    const daemonView = new Registry(db);
    const cli = new Database(path);
    const cliView = new Registry(cli);
    cliView.addBed('bed-02');
    cliView.admit('bed-02', 'P9');
    expect(daemonView.patientOf('bed-02')).toBeNull();
    expect(daemonView.refreshIfChanged()).toBe(true);
    expect(daemonView.patientOf('bed-02')).toBe('P9');
    expect(daemonView.refreshIfChanged()).toBe(false);

    // Another connection committing something else (the buffer's commit thread does, every
    // few ms) is not a registry change: no reload.
    cli.exec('CREATE TABLE other (x INTEGER); INSERT INTO other VALUES (1)');
    let reloads = 0;
    const reload = daemonView.reload.bind(daemonView);
    daemonView.reload = () => (reloads++, reload());
    expect(daemonView.refreshIfChanged()).toBe(false);
    cli.exec('INSERT INTO other VALUES (2)');
    expect(daemonView.refreshIfChanged()).toBe(false);
    expect(reloads).toBe(0);
    cliView.discharge('bed-02');
    expect(daemonView.refreshIfChanged()).toBe(true);
    expect(daemonView.patientOf('bed-02')).toBeNull();
    expect(reloads).toBe(1);
    cli.close();
  });
});

describe('device credentials', () => {
  it('verifies the generated password against its scrypt hash only', async () => {
    const stored = await hashPassword('s3cret-pass');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored).not.toContain('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', stored)).toBe(true);
    expect(await verifyPassword('wrong', stored)).toBe(false);
    expect(await verifyPassword('s3cret-pass', 'garbage')).toBe(false);
  });
});
