/**
 * The local alarm engine: in memory, synchronous on the ingest path, O(1) per reading.
 *
 * Inputs: every accepted record (`observer`, for `IngestPipeline.observe`), device link
 * changes (`onDeviceLinkChange`, from `DeviceStates`), the buffer's fill level and the
 * uplink's state. Outputs: `events` (phases, reminders, per-bed state), `activeAlarms()`,
 * `bedState()`, and every phase handed to the recorder (audit table + upload buffer),
 * which never makes evaluation wait.
 */
import { isMetricId, QualityFlag, systemClock, type AlarmEvent, type Clock, type MetricId, type Reading, type TimerHandle } from '@wardlink/shared';
import { AlarmBook, type AlarmRecorder } from './alarm-book.js';
import { resolveEngineOptions, type AlarmEngineOptions } from './engine-options.js';
import { AlarmEvents } from './events.js';
import { LimitTracker, type TrackerContext } from './limit-tracker.js';
import type { RestoredAlarm } from './restore.js';
import { RuleResolver } from './rule-resolver.js';
import { DeviceTechnical, type DeviceInfo, type RecordFacts } from './technical-device.js';
import { GatewayTechnical } from './technical-gateway.js';
import { silentAlarmLogger, type ActiveAlarm, type AlarmLogger, type AlarmRule, type BedAlarmState, type MetricLimits } from './types.js';

/** A reading of a catalog metric: the only kind rules apply to. */
type CatalogReading = Reading & { metric: MetricId };

/** Flags that make a reading say nothing about the patient. */
const NOT_PHYSIOLOGY = QualityFlag.INVALID | QualityFlag.SENSOR_OFF | QualityFlag.DEMO;

interface MetricState {
  ctx: TrackerContext;
  low: LimitTracker;
  high: LimitTracker;
  limits: MetricLimits | null;
  rulesVersion: number;
}

/** The device link changes the engine cares about (the shape `DeviceStates` emits). */
export interface DeviceLinkChange {
  deviceId: string;
  to: string;
  atMs: number;
}

export interface AlarmEngineDeps {
  clock?: Clock;
  logger?: AlarmLogger;
  /** Where phases go (the audit log, which also hands them to the upload buffer). */
  recorder?: AlarmRecorder;
  /** Looks a device up (the registry) when a link change names a device not heard yet. */
  deviceInfo?: (deviceId: string) => DeviceInfo | undefined;
  /** The patient admitted to a bed (the registry), for records that carry no reading. */
  patientOf?: (bedId: string) => string | null;
}

export class AlarmEngine {
  readonly events: AlarmEvents;
  private readonly clock: Clock;
  private readonly logger: AlarmLogger;
  private readonly book: AlarmBook;
  private readonly resolver = new RuleResolver();
  private readonly devices: DeviceTechnical;
  private readonly gateway: GatewayTechnical;
  private readonly beds = new Map<string, Map<MetricId, MetricState>>();
  private rulesVersion = 0;
  private sweepTimer: TimerHandle | null = null; // the comm-loss sweep's (rearmSweep); null: none armed
  /** When the armed sweep fires, on the monotonic clock its timer runs on (Infinity: none). */
  private sweepAtMonoMs = Infinity;
  private sweeping = false; // between start() and stop()
  private readonly sweepEveryMs: number;

  constructor(
    rules: readonly AlarmRule[],
    opts: AlarmEngineOptions = {},
    private readonly deps: AlarmEngineDeps = {},
  ) {
    const o = resolveEngineOptions(opts);
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentAlarmLogger;
    this.events = new AlarmEvents(this.logger);
    this.book = new AlarmBook(this.clock, this.events, deps.recorder ?? { record: () => {} }, o.lifecycle);
    this.devices = new DeviceTechnical(this.clock, this.book, o.technical, o.commLoss, (deviceId, bedId) => this.interruptDevice(deviceId, bedId));
    this.gateway = new GatewayTechnical(this.clock, this.book, o.technical, o.uplinkDownAfterMs);
    this.sweepEveryMs = o.sweepEveryMs;
    this.resolver.load(rules);
  }

  /** Starts the comm-loss sweep: on the `sweepEveryMs` grid as before (comm-loss within 250 ms
   * of the threshold, devices lost together raised in one sweep), but only at the grid point
   * after the next due time: none with every device lost or unheard (issue 18). */
  start(): void {
    this.sweeping = true;
    this.rearmSweep();
  }

  /** Stops every timer. Alarms stay in memory (and latched ones in the audit, for restore). */
  stop(): void {
    this.sweeping = false;
    this.sweepTimer?.cancel();
    [this.sweepTimer, this.sweepAtMonoMs] = [null, Infinity];
    for (const metrics of this.beds.values()) {
      for (const s of metrics.values()) {
        s.low.reset();
        s.high.reset();
      }
    }
    this.devices.stop();
    this.gateway.stop();
    this.book.stop();
  }

  /** Plugs into `IngestPipeline.observe`: `pipeline.observe(engine.observer)`. */
  readonly observer = (readings: readonly Reading[], device: DeviceInfo, facts?: RecordFacts): void => {
    this.onRecord(readings, device, facts ?? { recordFlags: 0 });
  };

  /** Plugs into `IngestPipeline.onRefused`: a device whose records are refused is not heard. */
  readonly refusalObserver = (device: DeviceInfo, code: string): void => {
    this.devices.refused(device, code);
    this.rearmSweep(); // its format or bed, so its threshold, may have changed with it
  };

  onRecord(readings: readonly Reading[], device: DeviceInfo, facts: RecordFacts | number = 0): void {
    const atMs = readings[0]?.receivedAtMs ?? this.clock.now();
    // A record with no values (sensor off) still concerns the bed's patient.
    const patientId = readings.length > 0 ? readings[0]!.patientId : this.deps.patientOf?.(device.bedId);
    try {
      this.devices.record(device, patientId, readings, typeof facts === 'number' ? { recordFlags: facts } : facts, atMs);
    } finally {
      // An armed sweep finds the next due time itself, unless this device's comes first (a
      // shorter threshold). In `finally`: a record that failed half-way may still have
      // counted the device as heard, and its silence must then be swept.
      if (!this.gateway.diskIsFull) this.armSweepAt(atMs + this.devices.thresholdMs(device) + 1);
    }
    // Uncatalogued terms are kept and uploaded, but no rule can name them; a metric's
    // second channel (device instance `mon-1~<channel>`) is kept too, and the first one alarms.
    for (const r of readings) if (isMetricId(r.metric) && r.deviceId === device.deviceId) this.evaluate(r as CatalogReading);
  }

  /** One reading through its (bed, metric) state machines. */
  private evaluate(r: CatalogReading): void {
    const s = this.metricState(r);
    if (r.flags & NOT_PHYSIOLOGY) {
      s.low.interrupt();
      s.high.interrupt();
      return;
    }
    s.ctx.deviceId = r.deviceId;
    if (s.ctx.patientId !== r.patientId || s.rulesVersion !== this.rulesVersion || s.limits === null) {
      s.ctx.patientId = r.patientId;
      this.bind(s, r.bedId, r.metric);
    }
    s.low.sample(r.value, r.receivedAtMs, s.ctx);
    s.high.sample(r.value, r.receivedAtMs, s.ctx);
  }

  private metricState(r: CatalogReading): MetricState {
    let metrics = this.beds.get(r.bedId);
    if (!metrics) this.beds.set(r.bedId, (metrics = new Map()));
    let s = metrics.get(r.metric);
    if (!s) {
      const ctx: TrackerContext = { bedId: r.bedId, patientId: r.patientId, deviceId: r.deviceId };
      const key = (dir: string) => `${r.bedId}|${r.metric}|${dir}`;
      s = {
        ctx,
        low: new LimitTracker(r.metric, 'low', key('low'), ctx, this.clock, this.book),
        high: new LimitTracker(r.metric, 'high', key('high'), ctx, this.clock, this.book),
        limits: null,
        rulesVersion: -1,
      };
      metrics.set(r.metric, s);
    }
    return s;
  }

  private bind(s: MetricState, bedId: string, metric: MetricId): void {
    const limits = this.resolver.limitsFor(bedId, s.ctx.patientId, metric);
    s.rulesVersion = this.rulesVersion;
    if (limits === s.limits) return;
    s.limits = limits;
    s.low.bind(limits.low);
    s.high.bind(limits.high);
  }

  /** New rules (from the rule watcher): every tracker rebinds and re-judges its last value. */
  setRules(rules: readonly AlarmRule[]): void {
    this.resolver.load(rules);
    this.rulesVersion += 1;
    const now = this.clock.now();
    for (const [bedId, metrics] of this.beds) {
      for (const [metric, s] of metrics) {
        this.bind(s, bedId, metric);
        s.low.reevaluate(now);
        s.high.reevaluate(now);
      }
    }
  }

  /** Who's limits apply to a bed now (for `rule test` and displays). */
  limitsFor(bedId: string, patientId: string | null, metric: MetricId): MetricLimits {
    return this.resolver.limitsFor(bedId, patientId, metric);
  }

  acknowledge(alarmId: string, by: string): AlarmEvent {
    return this.book.acknowledge(alarmId, by, this.clock.now());
  }

  activeAlarms(): ActiveAlarm[] {
    return this.book.active();
  }

  bedState(bedId: string): BedAlarmState {
    return this.book.bedState(bedId);
  }

  /** Beds (and "-" for the gateway) that have at least one live alarm. */
  bedsWithAlarms(): string[] {
    return this.book.beds();
  }

  onDeviceLinkChange(change: DeviceLinkChange): void {
    const info = this.devices.knows(change.deviceId) ?? this.deps.deviceInfo?.(change.deviceId);
    if (change.to === 'gone') {
      if (info) this.devices.portGone(info, change.atMs);
      else this.logger.warn({ device: change.deviceId }, 'port gone for an unknown device; no alarm raised');
    } else {
      this.devices.portBack(change.deviceId, change.atMs);
      this.rearmSweep(); // its silence counts again (from its last record)
    }
  }

  /** The device was removed from the registry: its technical alarms end. */
  forgetDevice(deviceId: string): void {
    this.devices.forget(deviceId);
  }

  onBufferUsage(fraction: number): void {
    this.gateway.bufferUsage(fraction);
  }

  /** The buffer's disk has no room for readings (or has room again); see technical-gateway.ts. */
  onBufferDiskFull(full: boolean, detail = ''): void {
    this.gateway.bufferDiskFull(full, detail);
    this.rearmSweep(); // while full, the sweep keeps the devices' silence from counting
  }

  onUplinkState(up: boolean, sinceMs: number): void {
    this.gateway.uplinkState(up, sinceMs);
  }

  /** The PCD-04 watchdog (alarms/pcd04): the alarm manager stopped answering, or answers again. */
  onAlarmManagerState(up: boolean, detail = ''): void {
    this.gateway.alarmManagerState(up, detail);
  }

  /** Runs the comm-loss check now (tests; the timer calls it otherwise), then arms the next one. */
  sweep(): void {
    try {
      this.devices.sweep(this.clock.now(), this.gateway.diskIsFull);
    } finally {
      this.rearmSweep();
    }
  }

  /** Arms the sweep for the next time it can raise something (or keeps an earlier one armed). */
  private rearmSweep(): void {
    const due = this.gateway.diskIsFull ? this.clock.now() + this.sweepEveryMs : this.devices.nextDueMs();
    if (due !== null) this.armSweepAt(due);
  }

  private armSweepAt(dueMs: number): void {
    if (!this.sweeping) return;
    const now = this.clock.now();
    const atMs = Math.ceil(Math.max(dueMs, now + 1) / this.sweepEveryMs) * this.sweepEveryMs;
    // Compared on the monotonic clock the timer runs on, not in wall time: after the wall
    // clock steps forward (NTP at boot), a kept timer armed in the old wall time would fire
    // later than a new, shorter due time needs (a review found comm-loss 6 s late).
    const atMonoMs = this.clock.monotonicMs() + (atMs - now);
    if (this.sweepTimer !== null && this.sweepAtMonoMs <= atMonoMs) return;
    this.sweepTimer?.cancel();
    this.sweepAtMonoMs = atMonoMs;
    const fire = () => {
      [this.sweepTimer, this.sweepAtMonoMs] = [null, Infinity];
      this.sweep();
    };
    this.sweepTimer = this.clock.setTimeout(fire, atMs - now).unref();
  }

  /** Takes back the alarms that were live when the gateway stopped (see restore.ts): a
   * latched, unacknowledged one stays until acknowledged; the others end now and are
   * raised again by fresh readings if their condition persists. */
  restore(alarms: readonly RestoredAlarm[]): void {
    const now = this.clock.now();
    for (const a of alarms) {
      if (this.book.get(a.alarmId) || this.book.byCondition(a.key)) continue;
      const { key, ...rest } = a;
      const record = this.book.raise(
        { key, bedId: a.bedId, patientId: a.patientId, deviceId: a.deviceId, source: a.source, metric: a.metric, condition: a.condition, priority: a.priority, value: a.value, message: a.message },
        a.raisedAtMs,
        { ...rest, conditionPresent: true },
      );
      if (record.latched && !record.acknowledged) record.conditionPresent = false;
      else {
        record.message = `${record.message} (ended at gateway restart; raised again if the condition persists)`;
        this.book.conditionEnded(record, now);
      }
      this.events.emit('bed', this.book.bedState(a.bedId));
    }
  }

  private interruptDevice(deviceId: string, bedId: string): void {
    for (const s of this.beds.get(bedId)?.values() ?? []) {
      if (s.ctx.deviceId !== deviceId) continue;
      s.low.interrupt();
      s.high.interrupt();
    }
  }
}
