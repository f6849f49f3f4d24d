/**
 * Test fixtures: a throwaway gateway (config, database, beds, devices) in a temp folder,
 * run in-process on free ports, or as a real child process for crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayDaemon } from '../daemon.js';
import { openGatewayDatabase } from '../db.js';
import { silentLogger } from '../observability/logger.js';
import { generatePassword, hashPassword } from '../registry/credentials.js';
import type { NewDevice } from '../registry/registry.js';

export interface TestGateway {
  dir: string;
  configPath: string;
  config: GatewayConfig;
  /** Generated MQTT passwords by device id. */
  passwords: Map<string, string>;
  cleanup(): void;
}

export type DeviceSpec = Omit<NewDevice, 'passwordHash' | 'mqttUsername'>;

/** One device's rows of the buffer's `readings` view in arrival order, `columns` of them,
 * read on a connection of its own (as a tool beside the daemon would). */
export function readingRows<T>(gw: TestGateway, deviceId: string, columns: string): T[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare(`SELECT ${columns} FROM readings WHERE device_id = ? ORDER BY id`).all(deviceId) as T[];
  } finally {
    db.close();
  }
}

/** Creates config + database with beds and devices. `raw` overrides config fields. */
export async function createTestGateway(
  opts: { beds?: string[]; devices?: DeviceSpec[]; raw?: Record<string, unknown>; patients?: Record<string, string>; /** the data folder's parent (default: the OS temp folder) */ parentDir?: string } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'wl-gw-'));
  const configPath = join(dir, 'gateway.json');
  const raw = {
    gatewayId: 'test-gw',
    log: { level: 'silent' },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    hl7: { host: '127.0.0.1', port: 0 },
    ...opts.raw,
  };
  writeFileSync(configPath, JSON.stringify(raw));
  const config = validate(raw, dir);
  const passwords = new Map<string, string>();
  const database = openGatewayDatabase(config);
  try {
    for (const bed of opts.beds ?? []) database.registry.addBed(bed);
    for (const [bed, patient] of Object.entries(opts.patients ?? {})) database.registry.admit(bed, patient);
    for (const d of opts.devices ?? []) {
      let extra = {};
      if (d.kind === 'mqtt') {
        const password = generatePassword();
        passwords.set(d.deviceId, password);
        extra = { mqttUsername: d.deviceId, passwordHash: await hashPassword(password) };
      }
      database.registry.addDevice({ ...d, ...extra });
    }
  } finally {
    database.close();
  }
  return { dir, configPath, config, passwords, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startDaemon(gw: TestGateway): Promise<GatewayDaemon> {
  const daemon = new GatewayDaemon(gw.config, silentLogger());
  await daemon.start();
  return daemon;
}

const cliMain = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const distMain = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs `wardlink-gateway run` as a child process and resolves once it reports its ports. */
export async function spawnDaemon(gw: TestGateway): Promise<{ child: ChildProcess; ports: { http: number; mqtt: number; hl7: number } }> {
  // WARDLINK_GATEWAY_DIST=1 runs the production build (gateway/dist) instead of the source via tsx.
  const entry = process.env.WARDLINK_GATEWAY_DIST === '1' ? [distMain] : ['--import', 'tsx', cliMain];
  const profile = process.env.WARDLINK_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.WARDLINK_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, ...entry, 'run', '--json', '--config', gw.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WARDLINK_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ports = await new Promise<{ http: number; mqtt: number; hl7: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"started"'));
      if (line) resolve((JSON.parse(line) as { ports: { http: number; mqtt: number; hl7: number } }).ports);
    });
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code} before starting: ${stderr}`)));
  });
  return { child, ports };
}
