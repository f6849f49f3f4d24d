/**
 * MLLP over TLS to the alarm manager, configured as a hospital would (`alarms.pcd04.tls`,
 * a CA file, the manager's name): delivered and acknowledged; a manager whose
 * certificate the gateway does not trust gets nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSigned, type SelfSigned } from '../../tls/self-signed.js';
import { harness } from '../testing/harness.js';
import { tempDb, type TempDb } from '../testing/temp-db.js';
import { pcd04Settings, type Pcd04Config } from './config.js';
import { AlarmManagerStub } from './testing/alarm-manager-stub.js';
import { nibpEpisodes } from './testing/phases.js';
import { startReporter } from './testing/start-reporter.js';

let cert: SelfSigned;
let other: SelfSigned;
let dir: string;
let db: TempDb;
let stub: AlarmManagerStub;

beforeAll(async () => {
  cert = await makeSelfSigned({ commonName: 'alarm-manager', names: ['alarm-manager.ward', '127.0.0.1'] });
  other = await makeSelfSigned({ commonName: 'someone-else', names: ['alarm-manager.ward'] });
  dir = mkdtempSync(join(tmpdir(), 'wl-pcd04-tls-'));
  writeFileSync(join(dir, 'manager-ca.pem'), cert.certPem);
  writeFileSync(join(dir, 'other-ca.pem'), other.certPem);
  db = tempDb('wl-pcd04-tls-db-');
  stub = new AlarmManagerStub({ cert: cert.certPem, key: cert.keyPem });
  await stub.listen();
});
afterAll(async () => {
  await stub.close();
  db.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function config(caFile: string): Pcd04Config {
  return {
    host: '127.0.0.1', port: stub.port, tls: true, caFile, servername: 'alarm-manager.ward', clientCertFile: null, clientKeyFile: null,
    sendingApplication: 'WARDLINK', sendingFacility: 'icu-3a', receivingApplication: null, receivingFacility: null,
    keepAliveIntervalMs: 30_000, ackTimeoutMs: 5000, downAfterMs: 600_000, maxBackoffMs: 1000,
  };
}

describe('PCD-04 over TLS', () => {
  it('delivers to a manager whose certificate the configured CA file trusts', async () => {
    const h = harness();
    const ids: string[] = [];
    h.engine.events.on('event', (e) => ids.push(e.eventId));
    const settings = pcd04Settings(config(join(dir, 'manager-ca.pem')));
    const reporter = startReporter(db.connect(), h.engine, stub.port, {}, settings.target.tls);
    try {
      nibpEpisodes(h, 1);
      await expect.poll(() => reporter.status().queued, { timeout: 10_000 }).toBe(0);
      expect(stub.alerts().map((r) => r.controlId)).toEqual(ids);
      expect(reporter.status().counters.acknowledged).toBe(ids.length);
    } finally {
      reporter.stop();
    }
  });

  it('sends nothing to a manager it does not trust, and keeps the message queued', async () => {
    const before = stub.received.length;
    const h = harness();
    const settings = pcd04Settings(config(join(dir, 'other-ca.pem')));
    const reporter = startReporter(db.connect(), h.engine, stub.port, {}, settings.target.tls);
    try {
      nibpEpisodes(h, 1);
      await expect.poll(() => reporter.status().counters.connectFailures, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      expect(stub.received.length).toBe(before);
      expect(reporter.status().queued).toBeGreaterThan(0);
    } finally {
      reporter.stop();
    }
  });

  it('refuses TLS files without tls, a client certificate without its key, and an unreadable CA, naming the key', () => {
    expect(() => pcd04Settings({ ...config(join(dir, 'manager-ca.pem')), tls: false })).toThrow(/alarms\.pcd04\.caFile.*tls: true/);
    expect(() => pcd04Settings({ ...config(join(dir, 'manager-ca.pem')), clientCertFile: join(dir, 'manager-ca.pem') })).toThrow(/alarms\.pcd04\.clientKeyFile/);
    expect(() => pcd04Settings(config(join(dir, 'missing.pem')))).toThrow(/alarms\.pcd04\.caFile.*cannot be read/);
  });
});
