/**
 * Builders for the buffer's tests, the crash child and the benchmark: a temp folder per
 * test, a ward's worth of readings, alarm events, and a logger that records its calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlarmEvent, MetricId, Reading } from '@wardlink/shared';
import type { BufferLogger } from '../types.js';

export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(prefix = 'wl-buffer-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

const METRICS: readonly MetricId[] = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP', 'ETCO2', 'ABP_SYS'];
const DAY_MS = 86_400_000;
/** 08:00 UTC two days ago: the cloud takes readings of the hot period only, never ahead
 * of its clock (cloud/src/ingest/time-bounds.ts), and some tests upload to a real cloud. */
export const T0_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS + 8 * 3_600_000;

/**
 * Reading number `i` of a ward of `beds` beds sending one 8-metric record per bed per
 * second. `deviceTimeMs` is unique per (bed, metric), so tests can find each reading.
 */
export function wardReading(i: number, beds = 50, gatewayId = 'gw-test'): Reading {
  const record = Math.floor(i / 8);
  const bed = record % beds;
  const metric = METRICS[i % 8]!;
  return {
    gatewayId,
    deviceId: `mon-${bed}`,
    bedId: `bed-${bed}`,
    patientId: bed % 7 === 0 ? null : `pat-${bed}`,
    metric,
    deviceTimeMs: T0_MS + Math.floor(record / beds) * 1000 + bed,
    receivedAtMs: T0_MS + i,
    value: metric === 'TEMP' ? 36.6 : metric === 'PI' ? 3.14 : 60 + (i % 40),
    flags: i % 97 === 0 ? 1 : 0,
  };
}

/** Readings number `from` (inclusive) to `to` (exclusive). */
export function wardReadings(from: number, to: number, beds = 50, gatewayId = 'gw-test'): Reading[] {
  const out: Reading[] = [];
  for (let i = from; i < to; i++) out.push(wardReading(i, beds, gatewayId));
  return out;
}

export function alarmEvent(n: number, overrides: Partial<AlarmEvent> = {}): AlarmEvent {
  return {
    eventId: `evt-${n}`,
    alarmId: `alm-${Math.floor(n / 2)}`,
    bedId: `bed-${n % 50}`,
    patientId: `pat-${n % 50}`,
    deviceId: `mon-${n % 50}`,
    source: 'physiological',
    metric: 'SPO2',
    condition: 'low',
    priority: 'high',
    phase: n % 2 === 0 ? 'raised' : 'acknowledged',
    timeMs: T0_MS + n * 1000,
    value: n % 2 === 0 ? 84 : null,
    actor: n % 2 === 0 ? null : 'nurse-7',
    message: 'SpO2 low 84 %',
    ...overrides,
  };
}

export interface RecordingLogger extends BufferLogger {
  lines: { level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg: string | undefined }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const at = (level: RecordingLogger['lines'][number]['level']) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
