import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config/load.js';
import { useCliSandbox } from './testing/sandbox.js';

const sandbox = useCliSandbox();
const { cli } = sandbox;

describe('wardlink-gateway CLI', () => {
  it('sets up a ward from scratch and reports it as JSON', async () => {
    expect((await cli('init', '--gateway-id', 'icu-3a')).code).toBe(0);
    expect(statSync(join(sandbox.dir, 'gateway.json')).mode & 0o777).toBe(0o600);
    expect((await cli('bed', 'add', 'bed-01')).code).toBe(0);
    expect((await cli('admit', '--bed', 'bed-01', '--patient', 'P0001')).code).toBe(0);
    const added = await cli('device', 'add', 'mon-1', '--kind', 'mqtt', '--bed', 'bed-01', '--json');
    expect(added.code).toBe(0);
    const device = JSON.parse(added.stdout) as { mqttPassword: string; mqttTopic: string };
    expect(device.mqttPassword).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(device.mqttTopic).toBe('wardlink/devices/mon-1/readings');
    // The password is shown once: it is not in the database, nor in any later listing.
    expect(readFileSync(join(sandbox.dir, 'gateway.db')).includes(Buffer.from(device.mqttPassword))).toBe(false);
    const listed = await cli('device', 'list', '--json');
    expect(listed.stdout).not.toContain(device.mqttPassword);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01' }]);
    const beds = JSON.parse((await cli('bed', 'list', '--json')).stdout) as unknown;
    expect(beds).toMatchObject([{ bedId: 'bed-01', patientId: 'P0001', devices: ['mon-1'] }]);
    const status = JSON.parse((await cli('status', '--json')).stdout) as { gatewayId: string; daemon: string; buffer: { unsentReadings: number } };
    expect(status).toMatchObject({ gatewayId: 'icu-3a', daemon: 'not running', buffer: { unsentReadings: 0 } });
  });

  it('gives stable error codes and exit codes for bad input', async () => {
    expect((await cli('bed', 'list')).code).toBe(78); // no config yet
    await cli('init');
    const missingBed = await cli('device', 'add', 'x', '--kind', 'serial', '--bed', 'nope', '--port', '/dev/ttyUSB0', '--json');
    expect(missingBed.code).toBe(3);
    expect(JSON.parse(missingBed.stderr)).toMatchObject({ error: { code: 'WL_NOT_FOUND' } });
    await cli('bed', 'add', 'bed-01');
    expect((await cli('bed', 'add', 'bed-01')).code).toBe(4);
    const badKind = await cli('device', 'add', 'x', '--kind', 'usb', '--bed', 'bed-01');
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/WL_USAGE.*--kind/);
    expect((await cli('device', 'add', 'x', '--kind', 'serial', '--bed', 'bed-01')).stderr).toMatch(/needs --port/);
    expect((await cli('device', 'add', 'x', '--kind', 'serial', '--bed', 'bed-01', '--port', '/dev/x', '--baud', '12')).code).toBe(2);
    expect((await cli('device', 'add', 'x', '--kind', 'mqtt', '--bed', 'bed-01', '--vendor-map', '[1]')).code).toBe(2);
    const badTarget = await cli('device', 'add', 'x', '--kind', 'mqtt', '--bed', 'bed-01', '--vendor-map', '{"SAT":"SP02"}');
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toMatch(/maps "SAT" to "SP02", which is neither a metric id/);
    expect((await cli('no-such-command')).code).toBe(2);
    expect((await cli('config', 'set', 'mqtt.port', '99999')).stderr).toMatch(/WL_CONFIG_INVALID: config: mqtt.port/);
  });

  it('keeps the cloud token out of every output', async () => {
    await cli('init');
    await cli('config', 'set', 'cloud.url', 'https://cloud.example/');
    const set = await cli('config', 'set', 'cloud.token', 'tok-secret-123');
    expect(set.stdout).not.toContain('tok-secret-123');
    const shown = await cli('config', 'show', '--json');
    expect(shown.stdout).not.toContain('tok-secret-123');
    expect(JSON.parse(shown.stdout)).toMatchObject({ cloud: { url: 'https://cloud.example/', token: '***' } });
  });

  it('runs as a real process with exit codes and JSON on stderr', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, ...sandbox.env }, encoding: 'utf8' });
    expect(run('init', '--json').status).toBe(0);
    const res = run('discharge', '--bed', 'bed-09', '--json');
    expect(res.status).toBe(3);
    expect(JSON.parse(res.stderr)).toMatchObject({ error: { code: 'WL_NOT_FOUND' } });
    expect(run('--help').stdout).toContain('device');
    expect(run('--help', 'run').stdout).toContain('doctor'); // help lists every command, whatever else is named

    // A daemon that cannot start exits (systemd then restarts it): `run` starts the commit
    // thread before the daemon, and that thread once kept the process alive after the
    // failure (a corrupt buffer file printed WL_BUFFER_CORRUPT and hung).
    const { databasePath } = loadGatewayConfig({ path: sandbox.env.WARDLINK_GATEWAY_CONFIG!, env: {} });
    writeFileSync(databasePath, randomBytes(64 * 1024));
    const failed = spawnSync(process.execPath, ['--import', 'tsx', main, 'run', '--json'], { env: { ...process.env, ...sandbox.env }, encoding: 'utf8', timeout: 30_000 });
    expect(failed.signal, 'the daemon hung after failing to start').toBeNull();
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('WL_BUFFER_CORRUPT');
    // Five CLI processes (tsx start-up each): ~30 s alone, more on a loaded box.
  }, 90_000);
});

describe('init: binding and TLS by default', () => {
  it('binds every listener to the address given, with a self-signed certificate for the web port', async () => {
    const res = await cli('init', '--bind', '127.0.0.1', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { bind: string; tls: { fingerprint256: string; names: string[] } };
    expect(out.bind).toBe('127.0.0.1');
    expect(out.tls.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const file = JSON.parse(readFileSync(join(sandbox.dir, 'gateway.json'), 'utf8')) as Record<string, { host: string; tls?: unknown }>;
    expect([file.http!.host, file.mqtt!.host, file.hl7!.host]).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(file.http!.tls).toEqual({ certFile: 'tls/gateway.crt', keyFile: 'tls/gateway.key' });
  });

  it('keeps the web port on loopback when asked for no TLS, and never binds every interface by default', async () => {
    const res = await cli('init', '--bind', '10.20.30.40', '--no-tls', '--json');
    expect(res.code).toBe(0);
    const file = JSON.parse(readFileSync(join(sandbox.dir, 'gateway.json'), 'utf8')) as Record<string, { host: string }>;
    expect([file.http!.host, file.mqtt!.host, file.hl7!.host]).toEqual(['127.0.0.1', '10.20.30.40', '10.20.30.40']);
    expect((await cli('init', '--force', '--bind', 'ward-net', '--json')).code).toBe(2);
    expect((await cli('init', '--force', '--json')).code).toBe(0);
    const chosen = JSON.parse(readFileSync(join(sandbox.dir, 'gateway.json'), 'utf8')) as Record<string, { host: string }>;
    expect(chosen.mqtt!.host).not.toBe('0.0.0.0');
  });
});

describe('viewer accounts', () => {
  it('adds a read-only viewer whose password is shown once and stored only as a hash', async () => {
    await cli('init');
    const added = await cli('viewer', 'add', 'ward-display', '--json');
    expect(added.code).toBe(0);
    const { password } = JSON.parse(added.stdout) as { password: string };
    const file = readFileSync(join(sandbox.dir, 'gateway.json'), 'utf8');
    expect(file).not.toContain(password);
    expect(file).toMatch(/"passwordHash": "scrypt\$/);
    expect((await cli('viewer', 'add', 'ward-display')).code).toBe(4);
    expect(JSON.parse((await cli('viewer', 'list', '--json')).stdout)).toEqual([{ username: 'ward-display' }]);
    expect((await cli('viewer', 'remove', 'ward-display')).code).toBe(0);
    expect((await cli('viewer', 'remove', 'ward-display')).code).toBe(3);
  });
});
