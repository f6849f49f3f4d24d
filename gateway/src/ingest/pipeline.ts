/**
 * The one path every reading takes after its format has parsed it, whatever the transport:
 * check the device clock, attach bed and admitted patient, count flags and rejects, hand
 * the readings to the alarm hook (in memory, before and independent of the disk), then
 * append them to the buffer. The returned promise settles only after the commit, so
 * transports acknowledge (MQTT PUBACK, HL7 ACK) only what is on disk.
 */
import { QualityFlag, UnknownMetricError, type Reading } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { DeviceStates } from './device-state.js';
import { checkDeviceTime, type DeviceTimeOptions } from './formats/device-time.js';
import type { ParsedRecord } from './formats/format.js';
import type { RejectLog } from './reject-log.js';

export interface ReadingSink {
  /** Resolves once the readings are committed to the buffer. */
  append(readings: Reading[]): Promise<void>;
}

/** Sees every accepted record before it is stored (the alarm engine plugs in here). */
export type ReadingObserver = (readings: Reading[], device: Device, record: ParsedRecord) => void;

export interface SubmitResult {
  stored: number;
  refused: number;
  unknown: number;
}

const FLAG_NAMES = Object.entries(QualityFlag) as [string, number][];

interface DeviceCounters {
  messages: { inc(n?: number): void };
  readings: { inc(n?: number): void };
}

export class IngestPipeline {
  private readonly observers: ReadingObserver[] = [];
  /** Labelled counter children per device: prom-client hashes labels on every inc() otherwise. */
  private readonly counters = new Map<string, DeviceCounters>();
  /** Readings committed since start, for the ingest rate. */
  storedTotal = 0;

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
      deviceTime: DeviceTimeOptions;
    },
  ) {}

  observe(observer: ReadingObserver): void {
    this.observers.push(observer);
  }

  async submit(device: Device, record: ParsedRecord, receivedAtMs = this.deps.now()): Promise<SubmitResult> {
    const { rejects, registry } = this.deps;
    this.deps.deviceStates.seen(device.deviceId, receivedAtMs);
    const counters = this.countersFor(device);
    counters.messages.inc();

    if (record.patientId && registry.patientOf(device.bedId) !== record.patientId) {
      // HL7 PID-3 tells us who is in the bed; learn it so readings carry the patient.
      registry.learnAdmission(device.bedId, record.patientId, receivedAtMs, (err) =>
        this.deps.logger.error({ err, bed: device.bedId }, 'could not store the admission learned from HL7 PID'),
      );
      this.deps.logger.info({ bed: device.bedId, device: device.deviceId }, 'admission learned from HL7 PID');
    }
    for (const code of record.unknownCodes) rejects.record(device.deviceId, new UnknownMetricError(code));
    for (const reject of record.rejects) rejects.record(device.deviceId, reject);

    const patientId = registry.patientOf(device.bedId);
    const readings: Reading[] = [];
    let refused = record.rejects.length;
    for (const obs of record.observations) {
      const time = checkDeviceTime(obs.deviceTimeMs ?? record.deviceTimeMs, receivedAtMs, this.deps.deviceTime);
      if (!time.ok) {
        rejects.record(device.deviceId, time.reject);
        refused += 1;
        continue;
      }
      const flags = obs.flags | time.flags;
      if (flags !== 0) this.countFlags(device.deviceId, flags);
      const reading: Reading = {
        gatewayId: this.deps.gatewayId,
        deviceId: device.deviceId,
        bedId: device.bedId,
        patientId,
        metric: obs.metric,
        deviceTimeMs: time.timeMs,
        receivedAtMs,
        value: obs.value,
        flags,
      };
      if (obs.unit !== undefined) reading.unit = obs.unit;
      readings.push(reading);
    }
    for (const observer of this.observers) {
      try {
        observer(readings, device, record);
      } catch (err) {
        // An observer bug must never stop readings from being stored.
        this.deps.logger.error({ err, device: device.deviceId }, 'reading observer failed');
      }
    }
    if (readings.length > 0) {
      await this.deps.sink.append(readings);
      counters.readings.inc(readings.length);
      this.storedTotal += readings.length;
    }
    return { stored: readings.length, refused, unknown: record.unknownCodes.length };
  }

  private countersFor(device: Device): DeviceCounters {
    const key = `${device.deviceId}\u0000${device.format}`;
    let c = this.counters.get(key);
    if (!c) {
      const labels = { device: device.deviceId, format: device.format };
      c = { messages: this.deps.metrics.messagesIn.labels(labels), readings: this.deps.metrics.readingsIn.labels(labels) };
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
