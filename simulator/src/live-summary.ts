/**
 * The demo's live view: advances a ward in real time (or `speed` times faster) and
 * prints one compact row a second: records/s, readings/s, and how many beds are in an
 * episode, have a sensor off, have a silent device or a device in demo mode.
 */
import { systemClock, type Clock } from '@wardlink/shared';
import { SimulatorOptionError } from './errors.js';
import { PHYSIOLOGICAL_KINDS, type DeviceRecord, type GroundTruthEvent } from './types.js';
import { createWard } from './ward.js';

export interface LiveSummaryOptions {
  beds: number;
  seed: number;
  /** Simulated seconds per real second (1 = real time). */
  speed: number;
  /** Stop after this much real time; default: run until `signal` aborts. */
  durationMs?: number;
  out: { write(text: string): unknown };
  signal?: AbortSignal;
  clock?: Clock;
  /** Simulated start, UTC ms. Default: the clock's now. */
  startMs?: number;
  /** Sees every generated record (the demo publishes them). */
  onRecord?: (record: DeviceRecord) => void;
}

export interface LiveSummaryResult {
  rows: number;
  records: number;
  readings: number;
  simulatedMs: number;
}

const PHYSIO = new Set<string>(PHYSIOLOGICAL_KINDS);
const HEADER = 'sim time (UTC)         beds  rec/s  read/s  episode  sensor-off  silent  demo\n';

function bedsWith(events: GroundTruthEvent[], atMs: number, match: (kind: string) => boolean): number {
  const beds = new Set<string>();
  for (const e of events) if (e.startMs <= atMs && e.endMs >= atMs && match(e.kind)) beds.add(e.bedId);
  return beds.size;
}

function col(value: number | string, width: number): string {
  return String(value).padStart(width);
}

export function runLiveSummary(opts: LiveSummaryOptions): Promise<LiveSummaryResult> {
  if (!(Number.isFinite(opts.speed) && opts.speed > 0 && opts.speed <= 100_000)) {
    throw new SimulatorOptionError('speed', 'must be a number above 0 and at most 100000', opts.speed);
  }
  if (opts.durationMs !== undefined && !(opts.durationMs >= 0)) {
    throw new SimulatorOptionError('durationMs', 'must be a non-negative number', opts.durationMs);
  }
  const clock = opts.clock ?? systemClock;
  const startMs = Math.round(opts.startMs ?? clock.now());
  const ward = createWard({ beds: opts.beds, seed: opts.seed, startMs });
  const result: LiveSummaryResult = { rows: 0, records: 0, readings: 0, simulatedMs: 0 };
  let lastReal = clock.monotonicMs();

  return new Promise((resolve) => {
    opts.out.write(HEADER);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      timer.cancel();
      deadline?.cancel();
      opts.signal?.removeEventListener('abort', finish);
      opts.out.write(`done: ${result.records} records, ${result.readings} readings over ${(result.simulatedMs / 1000).toFixed(0)} simulated s\n`);
      resolve(result);
    };
    const step = () => {
      const now = clock.monotonicMs();
      const realS = Math.max(1e-3, (now - lastReal) / 1000);
      lastReal = now;
      const fromMs = startMs + result.simulatedMs;
      result.simulatedMs += Math.round(realS * 1000 * opts.speed);
      const toMs = startMs + result.simulatedMs;
      let records = 0;
      let readings = 0;
      for (const record of ward.recordsBetween(fromMs, toMs)) {
        records++;
        readings += Object.keys(record.values).length;
        opts.onRecord?.(record);
      }
      result.records += records;
      result.readings += readings;
      result.rows++;
      const events = ward.schedule(toMs - 1000, toMs);
      const row = [
        new Date(toMs).toISOString().replace('T', ' ').slice(0, 19),
        col(opts.beds, 6),
        col(Math.round(records / realS), 6),
        col(Math.round(readings / realS), 7),
        col(bedsWith(events, toMs, (k) => PHYSIO.has(k)), 8),
        col(bedsWith(events, toMs, (k) => k === 'sensor-off'), 11),
        col(bedsWith(events, toMs, (k) => k === 'device-silent'), 7),
        col(bedsWith(events, toMs, (k) => k === 'demo'), 5),
      ];
      opts.out.write(`${row.join(' ')}\n`);
    };
    const timer = clock.setInterval(step, 1000);
    // At the deadline, report the last partial second (if any) and stop.
    const deadline = opts.durationMs === undefined ? null : clock.setTimeout(() => {
      if (clock.monotonicMs() - lastReal >= 100) step();
      finish();
    }, opts.durationMs);
    if (opts.signal?.aborted) return finish();
    opts.signal?.addEventListener('abort', finish, { once: true });
  });
}
