/**
 * `pnpm bench alarm-latency [--quick]`: how long from a threshold-crossing reading to its
 * alarm event at a subscribed MQTT client, while the real gateway (a child process) carries
 * a background load of 50 devices publishing 8-metric records over MQTT QoS 1 as fast as
 * they can (from a second child process, so the load generator never delays the clock
 * that measures).
 *
 * Ten probe devices, each on its own bed with a bed rule "HR > 125, medium, delay 0,
 * hysteresis 5", take turns (every 20-60 ms) sending HR 128 or HR 70: each reading raises or
 * clears an alarm at once. Like a real monitor (one record a second), a probe sends again
 * only once its previous reading was acknowledged. For each reading:
 *  - `p50_ms`/`p99_ms`/`max_ms`: from just before its publish to the `raised`/`cleared`
 *    event arriving on `wardlink/alarms/events` (a viewer account, QoS 1);
 *  - `from_arrival_*`: from the gateway's receive time (the event's `timeMs`) to that
 *    arrival, the definition (same host clock, 1 ms resolution).
 * The load is the gateway's own count (`messages_in_total`) over the probing window.
 *
 * The gateway also reports every alarm phase to an alarm manager over IHE PCD-04
 * (`alarms.pcd04`): a real MLLP listener in this process, acknowledging each ORU^R40 (AA)
 * as a nurse-call system would. `pcd04_p99_ms` (and p50, max) is, for each probe's
 * raise or clear, from the reading's arrival at the gateway (OBR-7, the event time, with
 * milliseconds) to the ORU^R40 having arrived on the manager's socket; in the same run,
 * the MQTT event's `from_arrival_p99_ms` is the baseline, and `pcd04_vs_mqtt_p99_ratio`
 * their ratio (the ORU^R40 is sent once the phase is written to the SQLite outbox).
 *
 * Each load device keeps `BENCH_WINDOW` publishes in flight (default 24, the smallest
 * window whose full runs carried the 20,000 msgs/s). The gateway sends a PUBACK only after
 * the commit (on the commit thread since 84bcb2b), so the load is bounded by window /
 * ack time; a deeper window adds throughput until the event loop saturates, and then
 * only lengthens each turn, in which an alarm waits for its reading to be read.
 * Full runs on the shared 2-core VM (load average 2.5-2.7), after the commit thread:
 *   window 24: 25,077 / 21,256 msgs/s, p99 48.0 / 48.4 ms (from arrival 18 / 24 ms), loop lag p99 29 / 33 ms
 *   window 16: 19,805 msgs/s, p99 43.8 ms (from arrival 18 ms), loop lag p99 31 ms
 *   window  8: 17,016 msgs/s, p99 25.5 ms (from arrival 11 ms), loop lag p99 23 ms
 * and before it (commits on the event loop):
 *   window 32:  9,215 msgs/s, p99 486 ms (from arrival 154 ms), loop lag p99 291 ms
 *   window  8: 10,011 msgs/s, p99  69 ms (from arrival  46 ms), loop lag p99  61 ms
 * A real monitor has one record in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { AlarmEvent } from '@wardlink/shared';
import { deframeMllp, localFetch, mllpFrame, openGatewayDatabase, RuleStore } from '@wardlink/gateway';
import { createTestGateway, spawnDaemon, type TestGateway } from '@wardlink/gateway/testing';
import { BENCH_BEDS, BENCH_METRICS, payloadsPerDevice } from './_ward-payloads.js';
import { runMqttLoad } from './_mqtt-load.js';
import type { BenchFigures, BenchOptions } from './run.js';

const BEDS = BENCH_BEDS;
const METRICS = BENCH_METRICS;
const PROBES = Array.from({ length: 10 }, (_, i) => ({ deviceId: `bench-probe-${i + 1}`, bedId: `bed-probe-${i + 1}` }));
const RAISE_HR = 128;
const CLEAR_HR = 70;
const VIEWER = { username: 'bench-viewer', password: 'bench-viewer-secret' };
const LOAD_ENV = 'WARDLINK_ALARM_BENCH_LOAD';

interface LoadSpec {
  port: number;
  devices: { deviceId: string; password: string }[];
  seconds: number;
  window: number;
  durationMs: number;
}

/** The load child: publishes until killed, prints its PUBACK rate if it gets to the end. */
async function loadChild(spec: LoadSpec): Promise<void> {
  const payloads = payloadsPerDevice(spec.seconds);
  const devices = spec.devices.map((d) => ({ ...d, payloads: payloads.get(d.deviceId)! }));
  process.stdout.write('{"loading":true}\n');
  const result = await runMqttLoad({ port: spec.port, devices, window: spec.window, durationMs: spec.durationMs, warmupMs: 500 });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** HL7 DTM `YYYYMMDDHHMMSS.SSS+0000` (what the gateway writes) as UTC ms. */
function hl7Ms(t: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,4}))?\+0000$/.exec(t);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac = '0'] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +sec!) + Math.round(Number(`0.${frac}`) * 1000);
}

/**
 * The alarm manager: a real MLLP listener that acknowledges every message (AA) and, for
 * the probes' ORU^R40 raise/clear reports, records arrival minus the reading's arrival (OBR-7).
 */
async function alarmManager(): Promise<{ server: Server; port: number; latencies: number[]; received: () => number }> {
  const latencies: number[] = [];
  let received = 0;
  const end = Buffer.from([0x1c, 0x0d]);
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      const atMs = Date.now();
      buf = Buffer.concat([buf, chunk]);
      for (let i = buf.indexOf(end); i >= 0; i = buf.indexOf(end)) {
        const text = deframeMllp(buf.subarray(0, i));
        buf = buf.subarray(i + 2);
        const seg = (name: string) => text.split('\r').find((l) => l.startsWith(`${name}|`))?.split('|') ?? [];
        const msh = seg('MSH');
        received += 1;
        const phase = text.match(/\|68481\^MDC_ATTR_EVENT_PHASE\^MDC\|[^|]*\|(\w+)/)?.[1];
        if (msh[8]?.startsWith('ORU^R40') && (seg('PV1')[3] ?? '').includes('bed-probe-') && (phase === 'start' || phase === 'end')) latencies.push(atMs - hl7Ms(seg('OBR')[7] ?? ''));
        socket.write(mllpFrame(`MSH|^~\\&|BENCH_AM||WARDLINK||${msh[6] ?? ''}||ACK^R40^ACK|A${received}|P|2.6\rMSA|AA|${msh[9] ?? ''}\r`));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, latencies, received: () => received };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
const round = (n: number) => Math.round(n * 100) / 100;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function metricsText(gw: TestGateway, httpPort: number): Promise<string> {
  return (await localFetch(gw.config, '/metrics', { port: httpPort })).text();
}

/** Load messages the gateway received so far (the probes excluded). */
function messagesIn(metrics: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('wardlink_gateway_messages_in_total{') && !l.includes('bench-probe-'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** A gauge's value; prom-client's event-loop lag figures cover the time since the last scrape. */
function gauge(metrics: string, name: string): number | null {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : null;
}

/** Injects threshold-crossing readings for `ms`; returns one latency per alarm event. */
async function probe(port: number, passwords: Map<string, string>, ms: number): Promise<{ fromPublish: number[]; fromArrival: number[]; missed: number }> {
  const url = `mqtt://127.0.0.1:${port}`;
  const viewer: MqttClient = await mqtt.connectAsync(url, { ...VIEWER, clientId: 'bench-viewer', reconnectPeriod: 0 });
  const probes = await Promise.all(
    PROBES.map(async (p) => ({ ...p, high: false, busy: false, client: await mqtt.connectAsync(url, { username: p.deviceId, password: passwords.get(p.deviceId)!, clientId: p.deviceId, reconnectPeriod: 0 }) })),
  );
  let waiting: { bedId: string; phase: string; notBeforeMs: number; resolve: (r: { event: AlarmEvent; atMs: number; at: number }) => void } | null = null;
  viewer.on('message', (_topic, payload) => {
    const at = performance.now();
    const atMs = Date.now();
    const event = JSON.parse(payload.toString('utf8')) as AlarmEvent;
    // timeMs is the gateway's receive time: a late event of an earlier reading cannot match.
    if (waiting && event.bedId === waiting.bedId && event.phase === waiting.phase && event.timeMs >= waiting.notBeforeMs) waiting.resolve({ event, atMs, at });
  });
  await viewer.subscribeAsync('wardlink/alarms/events', { qos: 1 });
  // Start every probe bed clear (an earlier run may have left an alarm raised).
  await Promise.all(probes.map((p) => p.client.publishAsync(`wardlink/devices/${p.deviceId}/readings`, JSON.stringify({ ts: Date.now(), readings: { HR: CLEAR_HR } }), { qos: 1 })));
  await new Promise((res) => setTimeout(res, 300));
  const fromPublish: number[] = [];
  const fromArrival: number[] = [];
  let missed = 0;
  let turn = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const p = probes[turn++ % probes.length]!;
    if (p.busy) {
      // Its last reading is not acknowledged yet: a real monitor would not send again.
      await new Promise((res) => setTimeout(res, 5));
      continue;
    }
    p.high = !p.high;
    const phase = p.high ? 'raised' : 'cleared';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = new Promise<{ event: AlarmEvent; atMs: number; at: number } | null>((resolve) => {
      timer = setTimeout(() => resolve(null), 2000);
      waiting = { bedId: p.bedId, phase, notBeforeMs: Date.now() - 1, resolve };
    });
    p.busy = true;
    const sentAt = performance.now();
    p.client.publish(`wardlink/devices/${p.deviceId}/readings`, JSON.stringify({ ts: Date.now(), readings: { HR: p.high ? RAISE_HR : CLEAR_HR } }), { qos: 1 }, () => (p.busy = false));
    const r = await got;
    clearTimeout(timer);
    waiting = null;
    if (r) {
      fromPublish.push(r.at - sentAt);
      fromArrival.push(r.atMs - r.event.timeMs);
    } else missed += 1;
    await new Promise((res) => setTimeout(res, 20 + Math.random() * 40));
  }
  await Promise.all([viewer.endAsync(), ...probes.map((p) => p.client.endAsync())]);
  return { fromPublish, fromArrival, missed };
}

function stats(name: string, values: number[]): BenchFigures {
  const s = [...values].sort((a, b) => a - b);
  return { [`${name}p50_ms`]: round(quantile(s, 0.5)), [`${name}p99_ms`]: round(quantile(s, 0.99)), [`${name}max_ms`]: round(s[s.length - 1] ?? NaN) };
}

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const probeMs = quick ? 7_000 : 40_000;
  const window = Number(process.env.BENCH_WINDOW ?? 24);
  const loadBeds = Array.from({ length: BEDS }, (_, i) => `bed-${String(i + 1).padStart(2, '0')}`);
  const manager = await alarmManager();
  const gw = await createTestGateway({
    beds: [...loadBeds, ...PROBES.map((p) => p.bedId)],
    devices: [...loadBeds.map((bedId) => ({ deviceId: `bench-${bedId}`, kind: 'mqtt' as const, bedId, format: 'mqtt-json' })), ...PROBES.map((p) => ({ ...p, kind: 'mqtt' as const, format: 'mqtt-json' }))],
    // 50 load devices, 10 probes and a viewer connect from this one address: above the
    // per-address default (50) the broker would close the probes.
    raw: { mqtt: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 200 }, alarms: { viewers: [VIEWER], pcd04: { host: '127.0.0.1', port: manager.port } } },
  });
  const db = openGatewayDatabase(gw.config);
  const rules = new RuleStore(db.db);
  rules.seedDefaults();
  for (const p of PROBES) rules.add({ scope: 'bed', scopeId: p.bedId, metric: 'HR', highLimit: 125, highPriority: 'medium', delayMs: 0, hysteresis: 5, note: 'alarm-latency bench' }, 'bench');
  db.close();
  let load: ChildProcess | null = null;
  const { child, ports } = await spawnDaemon(gw);
  try {
    log('idle baseline: probing with no load');
    const idle = await probe(ports.mqtt, gw.passwords, quick ? 1_500 : 5_000);

    log(`starting the load: ${BEDS} devices, QoS 1, ${window} in flight each`);
    const spec: LoadSpec = {
      port: ports.mqtt,
      devices: loadBeds.map((b) => ({ deviceId: `bench-${b}`, password: gw.passwords.get(`bench-${b}`)! })),
      seconds: quick ? 30 : 300,
      window,
      durationMs: probeMs + 60_000,
    };
    const self = fileURLToPath(import.meta.url);
    load = spawn(process.execPath, ['--import', 'tsx', self], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [LOAD_ENV]: JSON.stringify(spec) } });
    await new Promise<void>((resolve, reject) => {
      load!.stdout!.once('data', () => resolve());
      load!.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    });
    // Devices authenticate (scrypt) and ramp up: wait until all of them are sending.
    for (let i = 0; i < (quick ? 10 : 16); i++) {
      await new Promise((r) => setTimeout(r, 500));
      const text = await metricsText(gw, ports.http);
      const sending = text.split('\n').filter((l) => l.startsWith('wardlink_gateway_messages_in_total{') && l.includes('bench-bed-')).length;
      if (sending >= BEDS && i >= 2) break;
    }
    log(`probing for ${probeMs / 1000} s under load`);
    const countBefore = messagesIn(await metricsText(gw, ports.http));
    manager.latencies.length = 0; // the idle baseline's reports are not the loaded figure
    const started = performance.now();
    const loaded = await probe(ports.mqtt, gw.passwords, probeMs);
    await new Promise((r) => setTimeout(r, 1000)); // the last reports reach the manager
    const after = await metricsText(gw, ports.http);
    const loadPerS = (messagesIn(after) - countBefore) / ((performance.now() - started) / 1000);
    const lagP99S = gauge(after, 'wardlink_gateway_nodejs_eventloop_lag_p99_seconds');
    log(`load ${Math.round(loadPerS)} msgs/s; ${loaded.fromPublish.length} alarm events measured, ${loaded.missed} missed; ${manager.latencies.length} PCD-04 reports measured`);
    const pcd04 = stats('pcd04_', manager.latencies);
    const mqttFromArrival = stats('from_arrival_', loaded.fromArrival);
    return {
      ...stats('', loaded.fromPublish),
      load_msgs_per_s: Math.round(loadPerS),
      load_readings_per_s: Math.round(loadPerS * METRICS.length),
      samples: loaded.fromPublish.length,
      missed: loaded.missed,
      ...mqttFromArrival,
      ...pcd04,
      pcd04_samples: manager.latencies.length,
      pcd04_messages_received: manager.received(),
      // Baseline in the same run: the MQTT event, from the same arrival.
      pcd04_vs_mqtt_p99_ratio: round((pcd04.pcd04_p99_ms as number) / (mqttFromArrival.from_arrival_p99_ms as number)),
      ...stats('idle_', idle.fromPublish),
      idle_samples: idle.fromPublish.length,
      target_p99_ms: 25,
      gateway_eventloop_lag_p99_ms: lagP99S === null ? null : round(lagP99S * 1000),
      load_devices: BEDS,
      window_per_device: window,
      probe_s: probeMs / 1000,
      // Other work on the host shares the cores with the gateway: context for the figures.
      host_cpus: cpus().length,
      host_load_avg_1m: round(loadavg()[0]!),
    };
  } finally {
    if (load) await stopChild(load);
    await stopChild(child);
    await new Promise<void>((r) => manager.server.close(() => r()));
    gw.cleanup();
  }
}

if (process.env[LOAD_ENV] && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await loadChild(JSON.parse(process.env[LOAD_ENV]) as LoadSpec);
}
