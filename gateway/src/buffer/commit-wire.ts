/**
 * How the writer hands a group of appends to the commit worker: one Float64Array (moved,
 * not copied, with postMessage's transfer list) plus a short table of the distinct strings
 * (device, bed, patient and metric ids repeat across a batch). Structured-cloning the
 * Reading objects themselves costs the main thread several times more per reading.
 *
 * Layout of `nums`, entry after entry, in append order:
 *   readings entry: READINGS (or READINGS_DEDUP, or READINGS_SHARED), count (READINGS_SHARED:
 *                   then sharedTimeMs), then per reading
 *                   device, bed, patient, metric (indexes into `strings`, see NULL_REF),
 *                   deviceTimeMs, receivedAtMs, value, flags,
 *                   deviceClockMs (NaN when absent), unit (string index, NULL_REF when absent)
 *   alarm entry:    ALARM, index into `alarms`: the entry's events, stored all or none
 *                   (alarm events are few: cloned as objects)
 */
import type { AlarmEvent, MetricKey, Reading } from '@wardlink/shared';

export interface WireBatch {
  nums: Float64Array;
  strings: string[];
  alarms: (readonly AlarmEvent[])[];
  entries: number;
}

/** What one append holds: readings, or alarm events (in order, committed together or not at all). */
export interface WireEntry {
  readings: readonly Reading[] | null;
  alarms: readonly AlarmEvent[] | null;
  /** The readings' times are the device's own: a copy of one stored lately is dropped. */
  dedup?: boolean;
  /** Without dedup: the device time the readings are known by to the duplicate filter (writer.ts append). */
  sharedTimeMs?: number;
}

const READINGS = 0;
const ALARM = 1;
const READINGS_DEDUP = 2;
/** READINGS followed by the sharedTimeMs. */
const READINGS_SHARED = 3;
const PER_READING = 10;
/** A null id (patientId of a bed with no admission). */
const NULL_REF = -1;
/** Not a string at all: decoded as undefined, which SQLite refuses as a data error. */
const BAD_REF = -2;

class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  ref(s: string | null): number {
    if (s === null) return NULL_REF;
    if (typeof s !== 'string') return BAD_REF;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }
}

export function encodeBatch(entries: readonly WireEntry[]): WireBatch {
  let size = 0;
  for (const e of entries) size += 2 + (e.readings ? e.readings.length * PER_READING + (!e.dedup && e.sharedTimeMs !== undefined ? 1 : 0) : 0);
  const nums = new Float64Array(size);
  const table = new StringTable();
  const alarms: (readonly AlarmEvent[])[] = [];
  let o = 0;
  for (const e of entries) {
    if (!e.readings) {
      nums[o++] = ALARM;
      nums[o++] = alarms.push(e.alarms ?? []) - 1;
      continue;
    }
    const shared = !e.dedup && e.sharedTimeMs !== undefined;
    nums[o++] = e.dedup ? READINGS_DEDUP : shared ? READINGS_SHARED : READINGS;
    nums[o++] = e.readings.length;
    if (shared) nums[o++] = e.sharedTimeMs!;
    // Consecutive readings of one append nearly always share device, bed and patient.
    let device: string | undefined;
    let bed: string | undefined;
    let patient: string | null | undefined;
    let deviceRef = 0;
    let bedRef = 0;
    let patientRef = 0;
    for (const r of e.readings) {
      if (r.deviceId !== device || r.bedId !== bed || r.patientId !== patient) {
        device = r.deviceId;
        bed = r.bedId;
        patient = r.patientId;
        deviceRef = table.ref(device);
        bedRef = table.ref(bed);
        patientRef = table.ref(patient);
      }
      nums[o] = deviceRef;
      nums[o + 1] = bedRef;
      nums[o + 2] = patientRef;
      nums[o + 3] = table.ref(r.metric);
      nums[o + 4] = r.deviceTimeMs;
      nums[o + 5] = r.receivedAtMs;
      nums[o + 6] = r.value;
      nums[o + 7] = r.flags;
      nums[o + 8] = r.deviceClockMs ?? Number.NaN;
      nums[o + 9] = r.unit === undefined ? NULL_REF : table.ref(r.unit);
      o += PER_READING;
    }
  }
  return { nums, strings: table.strings, alarms, entries: entries.length };
}

/** The entries again, on the worker's side. Readings carry no gatewayId (rows do not store it). */
export function decodeBatch(batch: WireBatch): WireEntry[] {
  const { nums, strings, alarms } = batch;
  const str = (ref: number) => (ref >= 0 ? strings[ref]! : ref === NULL_REF ? null : (undefined as unknown as null));
  const out: WireEntry[] = [];
  let o = 0;
  for (let k = 0; k < batch.entries; k++) {
    const kind = nums[o++];
    const arg = nums[o++]!;
    if (kind === ALARM) {
      out.push({ readings: null, alarms: alarms[arg]! });
      continue;
    }
    const sharedTimeMs = kind === READINGS_SHARED ? nums[o++]! : 0;
    const readings: Reading[] = new Array(arg);
    for (let i = 0; i < arg; i++, o += PER_READING) {
      const r: Reading = {
        gatewayId: '',
        deviceId: str(nums[o]!)!,
        bedId: str(nums[o + 1]!)!,
        patientId: str(nums[o + 2]!),
        metric: str(nums[o + 3]!) as MetricKey,
        deviceTimeMs: nums[o + 4]!,
        receivedAtMs: nums[o + 5]!,
        value: nums[o + 6]!,
        flags: nums[o + 7]!,
      };
      const clock = nums[o + 8]!;
      if (clock === clock) r.deviceClockMs = clock;
      const unit = nums[o + 9]!;
      if (unit !== NULL_REF) r.unit = str(unit)!;
      readings[i] = r;
    }
    out.push({ readings, alarms: null, dedup: kind === READINGS_DEDUP, ...(kind === READINGS_SHARED ? { sharedTimeMs } : {}) });
  }
  return out;
}
