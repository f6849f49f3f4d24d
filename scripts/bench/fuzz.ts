/**
 * `pnpm bench fuzz [--quick]`: feeds mutated inputs (scripts/bench/_mutator.ts) to every
 * way bytes enter Wardlink, and reports crashes, hangs and stored corruptions.
 *
 *  - In process, at full speed: the HL7 (ORU and ADT) and MLLP parsers, both ASCII formats,
 *    the MQTT JSON parser, and the batch codec the cloud decodes. A crash is any throw that
 *    is not a typed Wardlink error, or a record that breaks the catalog's rules; a hang is
 *    one input that takes over 100 ms; for the codec, a mutated batch that still decodes,
 *    to something else than was encoded, would be stored: a stored corruption.
 *  - Against a running gateway (real TCP, MQTT and HTTP): mutated HL7 frames, MQTT
 *    payloads and nurse-station request bodies (sign-in, acknowledge, audio pause). A 5xx
 *    answer or a daemon that stops answering is a crash; after the run the readings that
 *    were stored before it must be byte for byte the same, and SQLite's integrity check
 *    must pass, or it is a stored corruption.
 * A full run is over 10^6 inputs; --quick is 1/20 of it, under 30 s.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { decodeBatch, encodeBatch, isMetricId, METRICS, WardlinkError, type Batch } from '@wardlink/shared';
import { deframeMllp, FORMATS, mllpFrame, parseAdt, parseMqttJson, parseOruR01, type FormatContext, type ParsedRecord } from '@wardlink/gateway';
import { addStaff, createTestGateway, startDaemon, VENDOR_CORPUS, WebClient } from '@wardlink/gateway/testing';
import { createWard, toAsciiLine, toHl7Message, toMqttMessage } from '@wardlink/simulator';
import { Mutator } from './_mutator.js';
import type { BenchFigures, BenchOptions } from './run.js';

const HANG_MS = 100;
const NOW = Date.now();
const ctx: FormatContext = { vendorMap: { '101': 'HR', SAT2: 'SPO2' }, utcOffsetMinutes: 60, now: () => NOW };

interface Tally {
  inputs: number;
  crashes: number;
  hangs: number;
  storedCorruptions: number;
  slowestMs: number;
}
const tally = (): Tally => ({ inputs: 0, crashes: 0, hangs: 0, storedCorruptions: 0, slowestMs: 0 });
const samples: { target: string; input: string; error: string }[] = [];

function note(t: Tally, target: string, input: Buffer, error: string): void {
  t.crashes++;
  if (samples.length < 20) samples.push({ target, input: input.toString('base64'), error: error.slice(0, 300) });
}

/** A parsed record must hold only what the catalog allows, whatever the input. */
function brokenRule(record: ParsedRecord): string | null {
  for (const o of record.observations) {
    if (!Number.isFinite(o.value)) return `non-finite value for ${o.metric}`;
    if (isMetricId(o.metric) && METRICS[o.metric] === undefined) return `unknown metric ${o.metric}`;
    if (o.deviceTimeMs !== null && !Number.isFinite(o.deviceTimeMs)) return 'non-finite time';
  }
  return null;
}

function fuzzInProcess(name: string, corpus: Buffer[], count: number, seed: number, attempt: (input: Buffer) => string | null): Tally {
  const t = tally();
  const m = new Mutator(corpus, seed);
  for (let i = 0; i < count; i++) {
    const input = m.next();
    const started = performance.now();
    let problem: string | null;
    try {
      problem = attempt(input);
    } catch (err) {
      problem = err instanceof WardlinkError ? null : `${(err as Error)?.name}: ${(err as Error)?.message}`;
    }
    const ms = performance.now() - started;
    t.inputs++;
    if (ms > t.slowestMs) t.slowestMs = ms;
    if (ms > HANG_MS) t.hangs++;
    if (problem?.startsWith('CORRUPT')) t.storedCorruptions++;
    else if (problem) note(t, name, input, problem);
  }
  return t;
}

function corpora() {
  const ward = createWard({ beds: 6, seed: 3, startMs: NOW - 60_000, artifacts: true, episodes: true });
  const records = [...ward.recordsBetween(ward.startMs, ward.startMs + 30_000)];
  const hl7 = [...VENDOR_CORPUS.map((e) => e.message(Math.floor(NOW / 1000) * 1000)), ...records.slice(0, 40).map((r, i) => toHl7Message(r, { controlId: `F${i}` }))];
  const adt = [
    'MSH|^~\\&|EPIC|HOSP|WARDLINK|ICU|20261205020000||ADT^A01^ADT_A01|A1|P|2.5\rEVN|A01|20261205020000\rPID|||MRN001^^^HOSP^MR||Doe^Jane\rPV1||I|ICU3A^12^1',
    'MSH|^~\\&|EPIC|HOSP|WARDLINK|ICU|20261205020000||ADT^A02|A2|P|2.5\rEVN|A02|20261205020000\rPID|||MRN001\rPV1||I|ICU3A^14^1|||ICU3A^12^1',
  ];
  return {
    hl7: hl7.map((m) => mllpFrame(m)),
    adt: adt.map((m) => Buffer.from(m)),
    asciiKv: records.slice(0, 40).map((r) => Buffer.from(toAsciiLine(r, 'ascii-kv'))),
    asciiTs: records.slice(0, 40).map((r) => Buffer.from(toAsciiLine(r, 'ascii-ts'))),
    mqtt: records.slice(0, 40).map((r) => toMqttMessage(r).payload),
    batches: [0, 1, 2].map((k): Batch => ({
      gatewayId: ward.gatewayId,
      seq: k + 1,
      createdAtMs: NOW,
      readings: ward.readingsBetween(ward.startMs + k * 10_000, ward.startMs + (k + 1) * 10_000),
      alarms: [],
    })),
  };
}

async function fuzzDaemon(counts: { hl7: number; mqtt: number; http: number }, corpus: ReturnType<typeof corpora>, seed: number, log: (m: string) => void): Promise<Tally> {
  const t = tally();
  const gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    devices: [
      { deviceId: 'mon-tcp', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'ICU-MON' },
      { deviceId: 'mon-mqtt', kind: 'mqtt', bedId: 'bed-02', format: 'mqtt-json' },
    ],
    raw: { mqtt: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 10_000 }, hl7: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 10_000, messageTimeoutMs: 300 } },
  });
  const daemon = await startDaemon(gw);
  try {
    // Baseline: readings stored before the fuzz, which it must never change.
    const base = createWard({ beds: 1, seed: 9, startMs: NOW - 120_000, artifacts: false, episodes: false });
    const baseline = [...base.recordsBetween(base.startMs, base.startMs + 60_000)];
    const hl7Socket = await openTcp(daemon.ports.hl7);
    for (const [i, r] of baseline.entries()) await exchange(hl7Socket, mllpFrame(toHl7Message({ ...r, deviceId: 'ICU-MON' }, { controlId: `B${i}` })));
    hl7Socket.destroy();
    const fingerprint = () => {
      const db = new Database(gw.config.databasePath, { readonly: true });
      try {
        const rows = db.prepare('SELECT id, device_id, metric, value, device_time_ms, flags FROM readings WHERE id <= ? ORDER BY id').all(maxId) as unknown[];
        return { n: rows.length, hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex'), integrity: db.pragma('integrity_check', { simple: true }) as string };
      } finally {
        db.close();
      }
    };
    await daemon.writer.flush();
    const idDb = new Database(gw.config.databasePath, { readonly: true });
    const maxId = idDb.prepare('SELECT coalesce(max(id), 0) FROM readings').pluck().get() as number;
    idDb.close();
    const before = fingerprint();
    log(`daemon: ${before.n} baseline readings stored`);

    let phase = performance.now();
    // HL7 over TCP: one connection, reopened whenever the gateway closes it.
    // The monitor's own messages (its OBX-18 names it), so most mutants reach the pipeline.
    const later = [...base.recordsBetween(base.startMs + 60_000, base.startMs + 90_000)];
    const hl7 = new Mutator(later.map((r, i) => mllpFrame(toHl7Message({ ...r, deviceId: 'ICU-MON' }, { controlId: `Z${i}` }))), seed + 1);
    // Twenty monitors at once: the gateway answers each after its group commit, so one
    // connection alone would wait a commit interval per frame.
    let sent = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        let socket = await openTcp(daemon.ports.hl7);
        while (sent < counts.hl7) {
          sent++;
          if (socket.destroyed) socket = await openTcp(daemon.ports.hl7);
          // A mutant that lost its end byte gets no answer: the gateway's message timeout
          // (300 ms here) closes the connection, as it would for a monitor.
          const answer = await exchange(socket, hl7.next(), 400);
          t.inputs++;
          if (answer === 'timeout') socket.destroy(); // the next input starts clean
        }
        socket.destroy();
      }),
    );
    log(`daemon: ${counts.hl7} HL7 frames sent (${((performance.now() - phase) / 1000).toFixed(1)} s)`);
    phase = performance.now();

    // MQTT: mutated payloads on the device's own topic; refused ones close the connection.
    const payloads = new Mutator(corpus.mqtt, seed + 2);
    let client: mqtt.MqttClient | null = null;
    for (let i = 0; i < counts.mqtt; i++) {
      if (!client || !client.connected) {
        client?.end(true);
        client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-mqtt', password: gw.passwords.get('mon-mqtt')!, clientId: `mon-mqtt-${i}`, reconnectPeriod: 0 });
      }
      const c = client;
      await Promise.race([c.publishAsync('wardlink/devices/mon-mqtt/readings', payloads.next(), { qos: 1 }).catch(() => undefined), new Promise<void>((r) => c.once('close', () => r())), new Promise((r) => setTimeout(r, 2000))]);
      t.inputs++;
    }
    client?.end(true);
    log(`daemon: ${counts.mqtt} MQTT payloads sent (${((performance.now() - phase) / 1000).toFixed(1)} s)`);
    phase = performance.now();

    // Nurse-station bodies, signed in as a charge nurse (who may do all three).
    const base_ = `http://127.0.0.1:${daemon.ports.http}`;
    const charge = await WebClient.as(gw.config, base_, 'charge', 'CN-F');
    await addStaff(gw.config, { staffId: 'RN-F', role: 'nurse', pin: '123456' });
    const bodies = new Mutator(['{"staffId":"RN-F","pin":"123456"}', '{"token":"wlt_AAAA"}', '{"alarmId":"x-1"}', '{"bedId":"bed-01","seconds":60}', '{"bedId":"-"}'].map((s) => Buffer.from(s)), seed + 3);
    const paths = ['/api/login', '/api/alarms/ack', '/api/beds/audio-pause', '/api/beds/audio-resume', '/api/session'];
    for (let i = 0; i < counts.http; i++) {
      const path = paths[i % paths.length]!;
      const res = await fetch(`${base_}${path}`, { method: 'POST', headers: { ...charge.headers, 'content-type': i % 17 === 0 ? 'text/plain' : 'application/json' }, body: bodies.next() }).catch(() => null);
      t.inputs++;
      if (res === null || res.status >= 500) note(t, `http ${path}`, Buffer.from(''), res === null ? 'no answer' : `HTTP ${res.status}`);
      await res?.arrayBuffer().catch(() => undefined);
    }
    log(`daemon: ${counts.http} HTTP bodies sent (${((performance.now() - phase) / 1000).toFixed(1)} s)`);

    const health = await fetch(`${base_}/healthz`).then((r) => r.status, () => 0);
    if (health !== 200) note(t, 'daemon', Buffer.from(''), `healthz answered ${health} after the fuzz`);
    await daemon.writer.flush();
    const after = fingerprint();
    if (after.hash !== before.hash || after.n !== before.n) t.storedCorruptions++;
    if (after.integrity !== 'ok') t.storedCorruptions++;
    log(`daemon: baseline ${after.hash === before.hash ? 'unchanged' : 'CHANGED'}, integrity ${after.integrity}`);
  } finally {
    await daemon.stop();
    gw.cleanup();
  }
  return t;
}

async function openTcp(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('error', reject));
  return s;
}

/** Sends one frame and waits for one answer frame (or a close, or the timeout). */
function exchange(socket: Socket, frame: Buffer, timeoutMs = 5000): Promise<'ack' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = (r: 'ack' | 'closed' | 'timeout') => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(r);
    };
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.includes(0x1c)) done('ack');
    };
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(frame);
  });
}

export async function run(opts: BenchOptions): Promise<BenchFigures> {
  const scale = opts.quick ? 0.05 : 1;
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  const seed = 20261205;
  const c = corpora();
  const results: Record<string, Tally> = {};
  const timed = (name: string, f: () => Tally) => {
    const started = performance.now();
    results[name] = f();
    opts.log(`${name}: ${results[name]!.inputs} inputs, ${results[name]!.crashes} crashes, ${results[name]!.hangs} hangs, slowest ${results[name]!.slowestMs.toFixed(1)} ms, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  timed('hl7', () => fuzzInProcess('hl7', c.hl7, n(280_000), seed, (b) => brokenRule(parseOruR01(deframeMllp(b, 256 * 1024), ctx))));
  timed('adt', () => fuzzInProcess('adt', c.adt, n(60_000), seed + 10, (b) => (parseAdt(b.toString('latin1')), null)));
  timed('ascii-kv', () => fuzzInProcess('ascii-kv', c.asciiKv, n(150_000), seed + 20, (b) => brokenRule(FORMATS['ascii-kv'].parse(b.toString('latin1'), ctx))));
  timed('ascii-ts', () => fuzzInProcess('ascii-ts', c.asciiTs, n(150_000), seed + 30, (b) => brokenRule(FORMATS['ascii-ts'].parse(b.toString('latin1'), ctx))));
  timed('mqtt-json', () => fuzzInProcess('mqtt-json', c.mqtt, n(200_000), seed + 40, (b) => brokenRule(parseMqttJson(b, ctx, { maxBytes: 16 * 1024 }))));
  const encoded = c.batches.map((b) => encodeBatch(b));
  const originals = encoded.map((e) => JSON.stringify(decodeBatch(e)));
  timed('codec', () =>
    fuzzInProcess('codec', encoded, n(160_000), seed + 50, (b) => {
      if (encoded.some((e) => e.equals(b))) return null; // the edits cancelled out
      const decoded = JSON.stringify(decodeBatch(b));
      // It decoded although its bytes changed: stored as such by the cloud unless it is one of the originals.
      return originals.includes(decoded) ? null : 'CORRUPT: a changed batch decoded to other readings';
    }),
  );
  const started = performance.now();
  results.daemon = await fuzzDaemon({ hl7: n(4_000), mqtt: n(3_000), http: n(3_000) }, c, seed + 60, opts.log);
  opts.log(`daemon: ${results.daemon.inputs} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // Baseline in the same run: the HL7 parser on the unmutated corpus, against the mutants' rate.
  const validRuns = n(40_000);
  let t0 = performance.now();
  for (let i = 0; i < validRuns; i++) parseOruR01(deframeMllp(c.hl7[i % c.hl7.length]!, 256 * 1024), ctx);
  const validPerS = validRuns / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  fuzzInProcess('hl7-rate', c.hl7, validRuns, seed + 70, (b) => brokenRule(parseOruR01(deframeMllp(b, 256 * 1024), ctx)));
  const mutantPerS = validRuns / ((performance.now() - t0) / 1000);
  opts.log(`hl7 parse rate: ${Math.round(validPerS)}/s valid, ${Math.round(mutantPerS)}/s mutated`);

  const sum = (k: keyof Tally) => Object.values(results).reduce((s, t) => s + t[k], 0);
  if (samples.length > 0) {
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/fuzz-crashes.json', JSON.stringify({ seed, samples }, null, 2));
    opts.log(`${samples.length} failing inputs written to test-artifacts/fuzz-crashes.json`);
  }
  const figures: BenchFigures = { inputs: sum('inputs'), crashes: sum('crashes'), hangs: sum('hangs'), stored_corruptions: sum('storedCorruptions'), seed };
  for (const [name, t] of Object.entries(results)) {
    figures[`${name}_inputs`] = t.inputs;
    figures[`${name}_crashes`] = t.crashes;
  }
  figures.hl7_valid_per_s = Math.round(validPerS);
  figures.hl7_mutant_per_s = Math.round(mutantPerS);
  figures.ratio_mutant_vs_valid = Number((mutantPerS / validPerS).toFixed(2));
  figures.slowest_input_ms = Number(Math.max(...Object.values(results).map((t) => t.slowestMs)).toFixed(1));
  return figures;
}
