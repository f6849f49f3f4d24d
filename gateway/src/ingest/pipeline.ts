/**
 * The one path every reading takes after its format has parsed it, whatever the transport:
 * judge the device clock, attach bed and admitted patient, count flags and rejects, hand
 * the readings to the alarm hook (in memory, before and independent of the disk), then
 * append them to the buffer. The returned promise settles only after the commit, so
 * transports acknowledge (MQTT PUBACK, HL7 ACK) only what is on disk.
 *
 * A device counts as talking (`DeviceStates.seen`, and for the alarm engine) only when a
 * record gives something usable: a stored reading, or a status such as sensor-off. A
 * device whose every message is refused goes silent, and its comm-loss alarm names why.
 */
import { QualityFlag, UnknownMetricError, type Reading } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { DeviceStates } from './device-state.js';
import type { ClockVerdict, DeviceClocks } from './device-clock.js';
import type { RecordPatients } from './record-patient.js';
import type { ParsedRecord } from './formats/format.js';
import type { RejectLog } from './reject-log.js';

export interface ReadingSink {
  /** Resolves once the readings are committed to the buffer. `dedup`: their times are the
   * device's own, so a redelivered copy is stored once (buffer/recent-records.ts). */
  append(readings: Reading[], opts?: { dedup?: boolean; sharedTimeMs?: number; prompt?: boolean; sender?: object }): Promise<void>;
}

/** What the ingest layer learned about a record, beside its readings (for the alarm engine). */
export interface RecordContext {
  /** SENSOR_OFF/DEMO seen anywhere in the record (see ParsedRecord.recordFlags). */
  recordFlags: number;
  /** The record's device clock was not trusted: receive time − device time, ms. */
  clockSkewMs: number | null;
  /** The device's clock has stopped (device-clock.ts): the time it stands at, UTC ms. */
  clockStoppedAtMs: number | null;
  /** The record names another patient than the one its readings are kept under. */
  namedPatientId: string | undefined;
}

/** Sees every usable record before it is stored (the alarm engine plugs in here). */
export type ReadingObserver = (readings: Reading[], device: Device, context: RecordContext) => void;

/** Told when everything in a device's record was refused, with the first refusal's code. */
export type RefusalObserver = (device: Device, code: string, atMs: number) => void;

export interface SubmitResult {
  stored: number;
  refused: number;
  unknown: number;
}

const FLAG_NAMES = Object.entries(QualityFlag) as [string, number][];

/** The id readings of a device's second channel are kept under: `mon-1~1.26.1.2`. */
export function instanceId(deviceId: string, channel: string): string {
  return `${deviceId}~${channel.replace(/[^A-Za-z0-9._:-]/g, '_')}`;
}
/** The sink's options, one object each, not one per record (frozen: every record shares them). */
type SinkOptions = Readonly<{ dedup: boolean; sharedTimeMs?: number; prompt?: boolean; sender?: object }>;
const NO_DEDUP: SinkOptions = Object.freeze({ dedup: false });
const PROMPT: SinkOptions = Object.freeze({ dedup: false, prompt: true });
const DEDUP: SinkOptions = Object.freeze({ dedup: true });
const DEDUP_PROMPT: SinkOptions = Object.freeze({ dedup: true, prompt: true });
/** A waiting sender's options, naming it when the transport did (BufferWriter's backToBack): one object per record then. */
function waiting(o: SinkOptions, senderWaits: boolean | object): SinkOptions {
  return typeof senderWaits === 'object' ? { ...o, sender: senderWaits } : o;
}
/** A status that makes a record without values still usable: the device is talking. */
const STATUS_FLAGS = QualityFlag.SENSOR_OFF | QualityFlag.DEMO;

interface DeviceCounters {
  messages: { inc(n?: number): void };
  readings: { inc(n?: number): void };
  /** Counted and not yet added to the prom-client children (see `count`). */
  pendingMessages: number;
  pendingReadings: number;
}

export class IngestPipeline {
  private readonly observers: ReadingObserver[] = [];
  private readonly refusalObservers: RefusalObserver[] = [];
  /** Labelled counter children per device: prom-client hashes labels on every inc() otherwise. */
  private readonly counters = new Map<string, DeviceCounters>();
  /** Readings committed since start, for the ingest rate. */
  storedTotal = 0;
  /** The counters with pending counts, added to prom-client in one microtask. */
  private readonly dirty: DeviceCounters[] = [];
  private flushQueued = false;

  constructor(
    private readonly deps: {
      gatewayId: string;
      registry: Registry;
      sink: ReadingSink;
      metrics: GatewayMetrics;
      rejects: RejectLog;
      deviceStates: DeviceStates;
      logger: Logger;
      now: () => number;
      clocks: DeviceClocks;
      patients: RecordPatients;
    },
  ) {}

  observe(observer: ReadingObserver): void {
    this.observers.push(observer);
  }

  onRefused(observer: RefusalObserver): void {
    this.refusalObservers.push(observer);
  }

  /**
   * `senderWaits`: the transport sends nothing more until this resolves (one message at a
   * time: HL7 over TCP or serial, the MQTT bridge), so the buffer commits it without
   * waiting for more readings to share the commit with (BufferWriter.append's `prompt`).
   */
  submit(device: Device, record: ParsedRecord, receivedAtMs?: number, opts?: { senderWaits?: boolean; sender?: object }): Promise<SubmitResult> {
    try {
      return this.submitNow(device, record, receivedAtMs ?? this.deps.now(), opts?.senderWaits === true ? (opts.sender ?? true) : false);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * `submit` without an async function (issue 18): under a flood ~1,600 records wait for
   * their commit at once, and an async function's frame would keep each whole record (its
   * observations, the readings) alive until then, to be copied by every young-generation
   * GC; the continuation below holds three numbers and the counters.
   */
  /** `senderWaits`: false, true, or the waiting sender itself (see submit). */
  private submitNow(device: Device, record: ParsedRecord, receivedAtMs: number, senderWaits: boolean | object): Promise<SubmitResult> {
    const { rejects } = this.deps;
    const counters = this.countersFor(device);
    this.count(counters, 1, 0);

    for (const code of record.unknownCodes) rejects.record(device.deviceId, new UnknownMetricError(code));
    for (const reject of record.rejects) rejects.record(device.deviceId, reject);

    const { patientId, namedPatientId } = this.deps.patients.decide(device, record.patientId, receivedAtMs);
    const mismatch = namedPatientId === undefined ? 0 : QualityFlag.PATIENT_MISMATCH;
    const recordTime = record.deviceTimeMs ?? record.observations.find((o) => o.deviceTimeMs !== null)?.deviceTimeMs ?? null;
    const verdict = this.deps.clocks.judge(device.deviceId, recordTime, receivedAtMs, record.observations);
    const readings: Reading[] = [];
    /** Of a sharedTime record (device-clock.ts), the readings with a time of their own. */
    let ownTimed: Reading[] | null = null;
    const clocklessAtMs = recordTime === null && record.observations.length > 0 ? this.deps.clocks.fileClockless(device.deviceId, receivedAtMs) : receivedAtMs;
    for (const obs of record.observations) {
      const reading: Reading = {
        gatewayId: this.deps.gatewayId,
        // A second channel of one metric (formats/families.ts) is kept as the device's instance.
        deviceId: obs.instance === undefined ? device.deviceId : instanceId(device.deviceId, obs.instance),
        bedId: device.bedId,
        patientId,
        metric: obs.metric,
        deviceTimeMs: clocklessAtMs,
        receivedAtMs,
        value: obs.value,
        flags: obs.flags | mismatch,
      };
      const ownTime = obs.deviceTimeMs !== null && obs.deviceTimeMs !== recordTime;
      this.placeInTime(reading, obs.deviceTimeMs ?? recordTime, ownTime, verdict);
      if (ownTime && verdict.sharedTime === true) (ownTimed ??= []).push(reading);
      if (obs.unit !== undefined) reading.unit = obs.unit;
      if (reading.flags !== 0) this.countFlags(device.deviceId, reading.flags);
      readings.push(reading);
    }
    const refused = record.rejects.length;
    const unknown = record.unknownCodes.length;
    if (readings.length === 0 && refused + unknown > 0 && (record.recordFlags & STATUS_FLAGS) === 0) {
      // Everything it sent was refused: the device is not talking to us, whatever it sends.
      // (A record with no value and no refusal, only dashes, is a device measuring nothing.)
      const code = record.rejects[0]?.code ?? 'WL_INGEST_UNKNOWN_METRIC';
      for (const observer of this.refusalObservers) observer(device, code, receivedAtMs);
      return Promise.resolve({ stored: 0, refused, unknown });
    }
    this.deps.deviceStates.seen(device.deviceId, receivedAtMs);
    const context: RecordContext = {
      recordFlags: record.recordFlags,
      clockSkewMs: verdict.trusted ? null : verdict.skewMs,
      clockStoppedAtMs: !verdict.trusted && verdict.reason === 'stopped' ? recordTime : null,
      namedPatientId,
    };
    for (const observer of this.observers) {
      try {
        observer(readings, device, context);
      } catch (err) {
        // An observer bug must never stop readings from being stored.
        this.deps.logger.error({ err, device: device.deviceId }, 'reading observer failed');
      }
    }
    const stored = readings.length;
    if (stored === 0) return Promise.resolve({ stored, refused, unknown });
    return this.append(readings, ownTimed, recordTime, verdict, senderWaits).then(() => {
      this.count(counters, 0, stored);
      this.storedTotal += stored;
      return { stored, refused, unknown };
    });
  }

  /**
   * A reading's time: the device's when its clock is trusted (device-clock.ts; a coarse
   * tick's repeat at the verdict's time), else the receive time (for a suspect record the
   * verdict's, which keeps the device's suspect records apart), flagged CLOCK_SUSPECT with
   * the device's own time kept. An observation with a time of its own is judged by that
   * time alone when its record's is trusted or merely shared with another record's.
   */
  private placeInTime(reading: Reading, deviceTimeMs: number | null, ownTime: boolean, verdict: ClockVerdict): void {
    if (deviceTimeMs === null) return;
    if (ownTime ? verdict.trusted || verdict.sharedTime === true : verdict.trusted) {
      if (!ownTime) {
        reading.deviceTimeMs = verdict.fileAtMs ?? deviceTimeMs;
        return;
      }
      if (this.deps.clocks.observationTrusted(deviceTimeMs, reading.receivedAtMs)) {
        reading.deviceTimeMs = deviceTimeMs;
        return;
      }
    }
    if (!verdict.trusted) reading.deviceTimeMs = verdict.fileAtMs;
    reading.flags |= QualityFlag.CLOCK_SUSPECT;
    reading.deviceClockMs = deviceTimeMs;
  }

  /**
   * Appends a record's readings. Those whose time the device gave go through the buffer's
   * duplicate filter (a redelivered copy is stored once), except a sharedTime record's at
   * its shared time: they are new measurements the device's time does not tell apart
   * (device-clock.ts). Its readings with a time of their own (an NIBP measured before)
   * are repeated in every such record and are filtered still.
   */
  private append(readings: Reading[], ownTimed: Reading[] | null, recordTime: number | null, verdict: ClockVerdict, senderWaits: boolean | object): Promise<unknown> {
    const { sink } = this.deps;
    if (recordTime === null) return sink.append(readings, senderWaits ? waiting(PROMPT, senderWaits) : NO_DEDUP);
    if (verdict.sharedTime !== true) return sink.append(readings, senderWaits ? waiting(DEDUP_PROMPT, senderWaits) : DEDUP);
    // Stored without the filter, but known to it by the device's time, so that a re-sent
    // copy of this record (which device-clock.ts gives its first record's verdict) is one.
    const atShared: SinkOptions = { dedup: false, sharedTimeMs: recordTime, ...(senderWaits ? waiting({ dedup: false, prompt: true }, senderWaits) : {}) };
    if (ownTimed === null) return sink.append(readings, atShared);
    const shared = readings.filter((r) => !ownTimed.includes(r));
    const own = sink.append(ownTimed, senderWaits ? waiting(DEDUP_PROMPT, senderWaits) : DEDUP);
    return shared.length === 0 ? own : Promise.all([own, sink.append(shared, atShared)]);
  }

  /**
   * Adds to a device's counters. prom-client hashes the labels of every inc() (even a
   * labelled child's) and stamps it; the counts of a socket read or of a commit (hundreds
   * of records) are added with one inc() per device instead (issue 18), in a microtask:
   * before anything else runs, so /metrics and every caller's continuation see them.
   */
  private count(c: DeviceCounters, messages: number, readings: number): void {
    if (c.pendingMessages === 0 && c.pendingReadings === 0) this.dirty.push(c);
    c.pendingMessages += messages;
    c.pendingReadings += readings;
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushCounts);
  }

  private readonly flushCounts = (): void => {
    this.flushQueued = false;
    for (const c of this.dirty) {
      if (c.pendingMessages > 0) c.messages.inc(c.pendingMessages);
      if (c.pendingReadings > 0) c.readings.inc(c.pendingReadings);
      c.pendingMessages = 0;
      c.pendingReadings = 0;
    }
    this.dirty.length = 0;
  };

  private countersFor(device: Device): DeviceCounters {
    const key = `${device.deviceId}\u0000${device.format}`;
    let c = this.counters.get(key);
    if (!c) {
      const labels = { device: device.deviceId, format: device.format };
      c = { messages: this.deps.metrics.messagesIn.labels(labels), readings: this.deps.metrics.readingsIn.labels(labels), pendingMessages: 0, pendingReadings: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  private countFlags(deviceId: string, flags: number): void {
    for (const [name, bit] of FLAG_NAMES) {
      if (flags & bit) this.deps.metrics.flagged.inc({ device: deviceId, flag: name.toLowerCase() });
    }
  }
}
