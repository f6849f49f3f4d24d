import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdmissionSourceSetting } from '../config/admissions.js';
import { validate } from '../config/load.js';
import { openGatewayDatabase, type GatewayDatabase } from '../db.js';
import { silentLogger } from '../observability/logger.js';
import { RecordPatients } from './record-patient.js';

let dir: string;
let database: GatewayDatabase;
let source: AdmissionSourceSetting;
let patients: RecordPatients;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-patients-'));
  database = openGatewayDatabase(validate({ gatewayId: 'gw' }, dir));
  database.registry.addBed('bed-01');
  database.registry.addDevice({ deviceId: 'mon-1', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'M1' });
  database.registry.admit('bed-01', 'P1');
  source = 'cli';
  patients = new RecordPatients(database.registry, () => source, silentLogger());
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const mon = () => database.registry.requireDevice('mon-1');

describe('whose readings a record carries', () => {
  it('under cli or adt: the admitted patient, with the name the monitor gave as a mismatch', () => {
    expect(patients.decide(mon(), undefined, 1000)).toEqual({ patientId: 'P1', namedPatientId: undefined });
    expect(patients.decide(mon(), 'P1', 1000)).toEqual({ patientId: 'P1', namedPatientId: undefined });
    expect(patients.decide(mon(), 'P9', 1000)).toEqual({ patientId: 'P1', namedPatientId: 'P9' });
    source = 'adt';
    expect(patients.decide(mon(), 'P9', 1000)).toEqual({ patientId: 'P1', namedPatientId: 'P9' });
    expect(database.registry.patientOf('bed-01')).toBe('P1');
  });

  it('under device: the monitor admits its patient, persisted and audited before the readings take it', () => {
    source = 'device';
    expect(patients.decide(mon(), 'P9', Date.now() + 1000)).toEqual({ patientId: 'P9', namedPatientId: undefined });
    expect(database.registry.patientOf('bed-01')).toBe('P9');
    const onDisk = new Database(join(dir, 'gateway.db'), { readonly: true });
    expect(onDisk.prepare('SELECT patient_id, source FROM admissions WHERE discharged_at_ms IS NULL').all()).toEqual([{ patient_id: 'P9', source: 'device' }]);
    onDisk.close();
    expect(database.registry.admissions.history({ limit: 1 })[0]).toMatchObject({ action: 'admit', patientId: 'P9', previousPatientId: 'P1', source: 'device', reference: 'mon-1' });
  });

  it('under device, with the database locked by the CLI: no switch now, the record kept flagged, the next one switches', () => {
    source = 'device';
    const cli = new Database(join(dir, 'gateway.db'));
    cli.exec('BEGIN IMMEDIATE');
    expect(patients.decide(mon(), 'P9', 5000)).toEqual({ patientId: 'P1', namedPatientId: 'P9' });
    cli.exec('ROLLBACK');
    cli.close();
    expect(patients.decide(mon(), 'P9', 6000)).toEqual({ patientId: 'P9', namedPatientId: undefined });
  });

  it('never admits a PID-3 that is no usable id', () => {
    source = 'device';
    expect(patients.decide(mon(), 'not an id!', 5000)).toEqual({ patientId: 'P1', namedPatientId: 'not an id!' });
  });
});
