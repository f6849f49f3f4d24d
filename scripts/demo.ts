/**
 * `pnpm demo`: the whole Wardlink pipeline on one machine, with nothing to configure.
 *  - the cloud sync service on an embedded PostgreSQL (its own data folder);
 *  - a ward gateway registered with it (its token created on the fly);
 *  - the seeded ward simulator: N beds over MQTT, plus one bed over a serial pseudo-terminal
 *    pair (HL7 in MLLP) when socat is installed;
 *  - in its first minute, a scripted storyline (demo/storyline.ts): a desaturation on one
 *    bed, a monitor unplugged on another, and an uplink outage that heals (the gateway
 *    reaches the cloud through a relay the demo cuts);
 *  - each alarm as it is raised and cleared, a live summary every 2 s (buffer, uplink
 *    backlog), and the nurse-station URL.
 *
 *   pnpm demo [--beds 20] [--seed 1] [--duration-s N] [--data-dir DIR]
 * Ctrl-C stops everything cleanly (the gateway flushes, the cloud stops PostgreSQL).
 */
import { chmodSync, createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hasSocat, startPtyPair, type PtyPair } from '@wardlink/gateway/testing';
import { startFeed, type Feed } from './demo/feed.js';
import { CLOUD_CLI, GATEWAY_CLI, runJson, startJson, stop, type Started } from './demo/processes.js';
import { alarmFeed } from './demo/alarm-feed.js';
import { DEMO_SCRIPT, OUTAGE, storylineText } from './demo/storyline.js';
import { summaryLine } from './demo/summary.js';
import { startUplinkProxy, type UplinkProxy } from './demo/uplink-proxy.js';
import { setUpWard } from './demo/ward-setup.js';

const { values } = parseArgs({
  options: { beds: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' }, 'duration-s': { type: 'string' }, 'data-dir': { type: 'string' } },
  strict: true,
});
const beds = Number(values.beds);
const seed = Number(values.seed);
const durationS = values['duration-s'] === undefined ? undefined : Number(values['duration-s']);
if (!Number.isInteger(beds) || beds < 1 || beds > 60 || !Number.isInteger(seed) || (durationS !== undefined && !(durationS > 0))) {
  console.error('usage: pnpm demo [--beds 1-60] [--seed N] [--duration-s N] [--data-dir DIR]');
  process.exit(2);
}
const dir = resolve(values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'wardlink-demo-')));
// Run as root, embedded PostgreSQL runs as the "postgres" user, who must be able to enter the folder.
if (values['data-dir'] === undefined) chmodSync(dir, 0o755);
const log = createWriteStream(join(dir, 'demo.log'), { flags: 'a' });
// The demo is zero-config: the cloud always runs its own embedded PostgreSQL.
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', WARDLINK_DATA_DIR: join(dir, 'cloud'), WARDLINK_LOG_LEVEL: 'info' };

let cloud: Started | undefined;
let gateway: Started | undefined;
let feed: Feed | undefined;
let pty: PtyPair | undefined;
let proxy: UplinkProxy | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping: simulator, gateway (flushes its buffer), cloud (stops PostgreSQL)...');
    await feed?.stop().catch(() => undefined);
    proxy?.heal(); // the gateway flushes what it can on the way out
    await stop(gateway?.child);
    await proxy?.close();
    await stop(cloud?.child, 30_000);
    await pty?.stop();
    console.log(`done. Logs and data are in ${dir}`);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  console.log(`Wardlink demo in ${dir} (logs: demo.log)`);
  console.log('starting the cloud on an embedded PostgreSQL...');
  cloud = await startJson(CLOUD_CLI, ['serve', '--port', '0', '--host', '127.0.0.1'], env, log);
  const cloudUrl = String(cloud.info.url);
  const added = await runJson(CLOUD_CLI, ['gateway', 'add', '--hospital', 'demo-hospital', '--ward', 'icu', '--id', 'demo-icu'], env);
  if (hasSocat) pty = await startPtyPair(dir, 'bedside');
  proxy = await startUplinkProxy(cloudUrl);
  const ward = await setUpWard({ dir: join(dir, 'gateway'), gatewayId: 'demo-icu', beds, cloudUrl: proxy.url, cloudToken: String(added.token), serialPath: pty?.devicePath ?? null });
  console.log(`starting the gateway (${beds} beds over MQTT${pty ? ', 1 bed over serial HL7' : '; socat not found, so no serial bed'})...`);
  gateway = await startJson(GATEWAY_CLI, ['run', '--config', ward.configPath], env, log);
  const ports = gateway.info.ports as { http: number; mqtt: number; hl7: number };
  feed = await startFeed({ mqttPort: ports.mqtt, passwords: ward.mqttPasswords, beds, seed, serialMonitorPath: pty?.monitorPath ?? null, script: DEMO_SCRIPT });
  console.log(`cloud:          ${cloudUrl}  (metrics ${cloudUrl}/metrics)`);
  console.log(`nurse station:  http://127.0.0.1:${ports.http}/   (sign in as ${ward.nurse.staffId}, PIN ${ward.nurse.pin})`);
  console.log(`wall display:   http://127.0.0.1:${ports.http}/#display-token=${ward.displayToken}`);
  console.log(`gateway MQTT:   mqtt://127.0.0.1:${ports.mqtt}   HL7/MLLP: 127.0.0.1:${ports.hl7}\n`);
  console.log('in the first minute (watch the nurse station, or the ALARM lines below):');
  for (const line of storylineText(beds)) console.log(line);
  console.log('');
  const started = feed.startMs;
  const alarms = alarmFeed(ward.databasePath, (line) => console.log(line));
  const outageAt = setTimeout(() => {
    proxy?.cut();
    console.log(`${new Date().toISOString().slice(11, 19)}  UPLINK CUT: the cloud is unreachable; the gateway keeps alarming and buffers every reading`);
  }, Math.max(0, started + OUTAGE.fromS * 1000 - Date.now()));
  const healAt = setTimeout(() => {
    proxy?.heal();
    console.log(`${new Date().toISOString().slice(11, 19)}  UPLINK HEALED: the gateway's next retry drains the backlog`);
  }, Math.max(0, started + OUTAGE.toS * 1000 - Date.now()));
  const alarmTimer = setInterval(() => {
    try {
      alarms.poll();
    } catch (err) {
      console.log(`alarms unavailable: ${(err as Error).message}`);
    }
  }, 500);
  const timer = setInterval(() => {
    summaryLine({ gatewayHttpPort: ports.http, cloudUrl, gatewayDatabasePath: ward.databasePath, gatewayDataDir: join(dir, 'gateway') }, feed?.published ?? 0).then(
      (line) => stopping || console.log(line),
      (err: unknown) => stopping || console.log(`summary unavailable: ${(err as Error).message}`),
    );
    if (durationS !== undefined && Date.now() - started >= durationS * 1000) {
      clearInterval(timer);
      clearInterval(alarmTimer);
      clearTimeout(outageAt);
      clearTimeout(healAt);
      alarms.poll();
      console.log(`alarms raised: ${alarms.raisedBy('physiological')} physiological, ${alarms.raisedBy('technical')} technical`);
      void shutdown(0);
    }
  }, 2000);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await shutdown(1);
}
