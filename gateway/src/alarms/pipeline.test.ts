/**
 * The engine plugged into the real ingest path: ASCII lines parsed by the real format,
 * through `IngestPipeline.submit`, with a buffer sink that never commits. The alarm is
 * raised anyway: evaluation never waits for the disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { validate } from '../config/load.js';
import { openGatewayDatabase, registerMigrations, type GatewayDatabase } from '../db.js';
import { DeviceClocks } from '../ingest/device-clock.js';
import { DeviceStates } from '../ingest/device-state.js';
import { asciiKvFormat } from '../ingest/formats/ascii/ascii-kv.js';
import { IngestPipeline, type ReadingObserver } from '../ingest/pipeline.js';
import { RecordPatients } from '../ingest/record-patient.js';
import { RejectLog } from '../ingest/reject-log.js';
import { silentLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { alarmMigrations } from './migrations.js';
import { openAlarmService, type AlarmService } from './service.js';
import { ManualClock } from './testing/manual-clock.js';

let dir: string;
let database: GatewayDatabase;
let alarms: AlarmService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-alarm-pipe-'));
  registerMigrations(...alarmMigrations);
  database = openGatewayDatabase(validate({ gatewayId: 'gw-pipe' }, dir));
  database.registry.addBed('bed-01');
  database.registry.admit('bed-01', 'P1');
  database.registry.addDevice({ deviceId: 'ox-1', kind: 'serial', bedId: 'bed-01', format: 'ascii-kv', portPath: '/dev/ttyUSB0', baudRate: 9600 });
});
afterEach(() => {
  alarms?.stop();
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the engine on the ingest path', () => {
  it('raises alarms from parsed records before (and without) the buffer commit, and sees port loss', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 8));
    alarms = openAlarmService(database.db, { clock, deviceInfo: (id) => database.registry.device(id), patientOf: (bed) => database.registry.patientOf(bed) });
    alarms.start();
    const committed: Reading[][] = [];
    const logger = silentLogger();
    const metrics = new GatewayMetrics();
    const deviceStates = new DeviceStates(10_000, clock);
    const pipeline = new IngestPipeline({
      gatewayId: 'gw-pipe',
      registry: database.registry,
      sink: { append: (r) => (committed.push(r), new Promise(() => {})) }, // a buffer that never commits
      metrics,
      rejects: new RejectLog(metrics, logger, 60_000),
      deviceStates,
      logger,
      now: () => clock.now(),
      clocks: new DeviceClocks(),
      patients: new RecordPatients(database.registry, () => 'cli', logger),
    });
    const observer: ReadingObserver = alarms.engine.observer;
    pipeline.observe(observer);
    deviceStates.on('change', (c) => alarms.engine.onDeviceLinkChange(c));
    const device = database.registry.requireDevice('ox-1');
    const line = (text: string) => void pipeline.submit(device, asciiKvFormat.parse(text, { now: () => clock.now() }));

    for (let i = 0; i < 12; i++) {
      line('SPO2=84 BPM=72 PI=3.10 RR=16');
      clock.advanceBy(1000);
    }
    line('SPO2=--- BPM=--- PI=--.-- NO_SENSOR');
    expect(committed).toHaveLength(12); // handed to the buffer, never committed
    expect(alarms.engine.activeAlarms().map((a) => [a.metric ?? a.condition, a.priority, a.patientId])).toEqual([
      ['SPO2', 'medium', 'P1'],
      ['sensor-off', 'low', 'P1'],
    ]);
    deviceStates.portGone('ox-1');
    expect(alarms.engine.activeAlarms().map((a) => a.condition)).toContain('port-gone');
  });
});
