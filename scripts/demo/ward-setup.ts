/** Writes the demo gateway's config and registers its beds, patients and devices. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePassword, hashPassword, openGatewayDatabase, openStaff, validate } from '@wardlink/gateway';

export interface DemoWard {
  configPath: string;
  databasePath: string;
  mqttPasswords: Map<string, string>;
  /** A charge nurse to sign in with on the nurse station, and a wall display's token. */
  nurse: { staffId: string; pin: string };
  displayToken: string;
}

export async function setUpWard(opts: { dir: string; gatewayId: string; beds: number; cloudUrl: string; cloudToken: string; serialPath: string | null }): Promise<DemoWard> {
  mkdirSync(opts.dir, { recursive: true });
  const configPath = join(opts.dir, 'gateway.json');
  const raw = {
    gatewayId: opts.gatewayId,
    log: { level: 'info' },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    hl7: { host: '127.0.0.1', port: 0 },
    // Retries of the uplink back off to 5 s at most (default 60 s), so the demo's outage
    // heals in seconds. Comm-loss keeps the gateway's default: 5 s of silence.
    cloud: { url: opts.cloudUrl, token: opts.cloudToken, backoffMaxMs: 5000 },
  };
  writeFileSync(configPath, JSON.stringify(raw, null, 2), { mode: 0o600 });
  const config = validate(raw, opts.dir);
  const db = openGatewayDatabase(config);
  const mqttPasswords = new Map<string, string>();
  try {
    const total = opts.beds + (opts.serialPath ? 1 : 0);
    for (let i = 1; i <= total; i++) {
      const bed = `bed-${String(i).padStart(2, '0')}`;
      db.registry.addBed(bed);
      db.registry.admit(bed, `P${String(i).padStart(4, '0')}`);
      const deviceId = `mon-${bed}`;
      if (i <= opts.beds) {
        const password = generatePassword();
        mqttPasswords.set(deviceId, password);
        db.registry.addDevice({ deviceId, kind: 'mqtt', bedId: bed, format: 'mqtt-json', mqttUsername: deviceId, passwordHash: await hashPassword(password) });
      } else {
        db.registry.addDevice({ deviceId, kind: 'serial', bedId: bed, format: 'hl7-mllp', portPath: opts.serialPath, baudRate: 115200 });
      }
    }
    const staff = openStaff(db.db);
    const nurse = await staff.directory.add({ staffId: 'demo-nurse', name: 'Demo Nurse', role: 'charge', pin: '246810' });
    const display = await staff.directory.add({ staffId: 'demo-wall', name: 'ICU wall screen', role: 'display' });
    return { configPath, databasePath: config.databasePath, mqttPasswords, nurse: { staffId: nurse.staff.staffId, pin: nurse.secret }, displayToken: display.secret };
  } finally {
    db.close();
  }
}
