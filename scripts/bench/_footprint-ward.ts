/**
 * The ward of `pnpm bench gateway-footprint`: a gateway data folder on the real disk (so
 * /proc/<pid>/io counts its writes), its config (uplink to the cloud through a relay the
 * bench can cut), and its registry: 60 admitted beds, 58 MQTT monitors and 2 serial HL7
 * monitors, each on its own socat pseudo-terminal pair.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePassword, hashPassword, openGatewayDatabase, validate } from '@wardlink/gateway';
import { startPtyPair, type PtyPair } from '@wardlink/gateway/testing';

/** The ward's beds unless `--beds` says otherwise: the largest ward designed for. */
export const WARD_BEDS = 60;
export const SERIAL_BEDS = 2;
export const GATEWAY_ID = 'gw-footprint';

export interface FootprintWard {
  /** Admitted beds, each with one monitor (SERIAL_BEDS of them serial HL7, the rest MQTT). */
  beds: number;
  dir: string;
  configPath: string;
  config: ReturnType<typeof validate>;
  databasePath: string;
  httpPort: number;
  mqttPasswords: Map<string, string>;
  /** The monitors' ends of the serial beds' pty pairs, by device id. */
  serialMonitors: Map<string, string>;
  ptys: PtyPair[];
}

/** Bed i (from 1) of a ward of `beds`, numbered as the simulator numbers them (two digits, three from 100 beds). */
export const bedId = (i: number, beds: number) => `bed-${String(i).padStart(Math.max(2, String(beds).length), '0')}`;
export const deviceOf = (bed: string) => `mon-${bed}`;

/** A free TCP port now: the restart's /healthz is polled from the spawn, before the process can say its ports. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function setUpFootprintWard(opts: { beds: number; cloudUrl: string; cloudToken: string; /** buffer.* settings to try (e.g. flushIntervalMs), else the defaults */ buffer?: Record<string, number | string>; /** cloud.maxBatchAgeMs to try, else the default */ maxBatchAgeMs?: number }): Promise<FootprintWard> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-footprint-'));
  const configPath = join(dir, 'gateway.json');
  const httpPort = await freePort();
  const raw = {
    gatewayId: GATEWAY_ID,
    log: { level: 'warn' },
    http: { host: '127.0.0.1', port: httpPort },
    // Every simulated monitor connects from 127.0.0.1; on a ward each has its own address.
    mqtt: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: opts.beds + 40 },
    hl7: { host: '127.0.0.1', port: 0 },
    // Retries back off to 5 s at most (default 60 s): the drain starts soon after the outage.
    cloud: { url: opts.cloudUrl, token: opts.cloudToken, backoffMaxMs: 5000, ...(opts.maxBatchAgeMs !== undefined ? { maxBatchAgeMs: opts.maxBatchAgeMs } : {}) },
    ...(opts.buffer ? { buffer: opts.buffer } : {}),
  };
  writeFileSync(configPath, JSON.stringify(raw, null, 2), { mode: 0o600 });
  const config = validate(raw, dir);
  const ptys: PtyPair[] = [];
  const serialMonitors = new Map<string, string>();
  const mqttPasswords = new Map<string, string>();
  const mqttBeds = Array.from({ length: opts.beds - SERIAL_BEDS }, (_, i) => deviceOf(bedId(i + 1, opts.beds)));
  for (const deviceId of mqttBeds) mqttPasswords.set(deviceId, generatePassword());
  // scrypt on libuv's thread pool: all at once, not one after the other.
  const hashes = new Map(await Promise.all(mqttBeds.map(async (id) => [id, await hashPassword(mqttPasswords.get(id)!)] as const)));
  const db = openGatewayDatabase(config);
  try {
    for (let i = 1; i <= opts.beds; i++) {
      const bed = bedId(i, opts.beds);
      const deviceId = deviceOf(bed);
      db.registry.addBed(bed);
      db.registry.admit(bed, `P${String(i).padStart(4, '0')}`);
      const passwordHash = hashes.get(deviceId);
      if (passwordHash) {
        db.registry.addDevice({ deviceId, kind: 'mqtt', bedId: bed, format: 'mqtt-json', mqttUsername: deviceId, passwordHash });
      } else {
        const pty = await startPtyPair(dir, bed);
        ptys.push(pty);
        serialMonitors.set(deviceId, pty.monitorPath);
        db.registry.addDevice({ deviceId, kind: 'serial', bedId: bed, format: 'hl7-mllp', portPath: pty.devicePath, baudRate: 115200 });
      }
    }
  } finally {
    db.close();
  }
  return { beds: opts.beds, dir, configPath, config, databasePath: config.databasePath, httpPort, mqttPasswords, serialMonitors, ptys };
}
