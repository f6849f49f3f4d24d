/**
 * The body shared by the ASCII formats: whitespace-separated `LABEL=VALUE` pairs plus
 * optional status words (`SPO2=97 BPM=072 PI=03.10% SENSOR_OFF`).
 *
 * Rules (see ../README.md): absent values (`--`, `---`, `--.-`, optionally with `%`) are
 * skipped; values may be zero-padded and carry a `%` suffix; a status word flags the
 * values it concerns (sensor-off: SpO2, PR, PI; demo: all); labels resolve through the device's vendor map, then the format's
 * default labels, then catalog short ids; a few known non-metric labels (SN, ALARM, EXC,
 * SPCO, PVI...) are ignored; other labels are counted as unknown. A token that is neither a
 * pair nor an upper-case word means the line is garbled (wrong baud rate, noise), and the
 * whole line is refused rather than half-trusted.
 */
import { isMetricId, MalformedLineError, metricById, QualityFlag, type MetricDefinition, type MetricId, type VendorCodeMap } from '@wardlink/shared';
import type { FormatContext, ParsedRecord } from '../format.js';
import { isAbsentValue, parseDecimal, toObservation } from '../observation.js';

export const STATUS_WORD_FLAGS: Readonly<Record<string, number>> = {
  SENSOR_OFF: QualityFlag.SENSOR_OFF,
  NO_SENSOR: QualityFlag.SENSOR_OFF,
  PROBE_OFF: QualityFlag.SENSOR_OFF,
  DEMO: QualityFlag.DEMO,
  // Low perfusion: the values are still the patient's; recorded as a status word only.
  LOW_PERF: 0,
};

/** A sensor-off word comes from the pulse oximeter's probe: it concerns only the metrics
 * that probe measures. The line's other values (respiration, temperature, CO2) come from
 * other sensors and stay the patient's. DEMO concerns every value. */
const SENSOR_OFF_METRICS: ReadonlySet<MetricId> = new Set(['SPO2', 'PR', 'PI']);

function flagsFor(metric: MetricId, recordFlags: number): number {
  return SENSOR_OFF_METRICS.has(metric) ? recordFlags : recordFlags & ~QualityFlag.SENSOR_OFF;
}

/** Labels Masimo-style exports carry that are not catalog metrics (serial number, alarm
 * and exception bit fields, parameters Wardlink does not track). */
export const IGNORED_LABELS: ReadonlySet<string> = new Set(['SN', 'ALARM', 'EXC', 'SPCO', 'SPMET', 'SPHB', 'SPOC', 'PVI', 'DESAT', 'PIDELTA']);

const PAIR = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/;
const WORD = /^[A-Z][A-Z0-9_]*$/;

function own(map: VendorCodeMap | undefined, key: string): MetricDefinition | undefined {
  if (map === undefined || !Object.hasOwn(map, key)) return undefined;
  const id = map[key];
  return id !== undefined && isMetricId(id) ? metricById(id) : undefined;
}

function resolveLabel(label: string, defaults: Readonly<Record<string, MetricId>>, vendorMap: VendorCodeMap | undefined): MetricDefinition | 'ignored' | undefined {
  const upper = label.toUpperCase();
  const mapped = own(vendorMap, label) ?? own(vendorMap, upper) ?? own(defaults, upper);
  if (mapped) return mapped;
  if (IGNORED_LABELS.has(upper)) return 'ignored';
  return isMetricId(upper) ? metricById(upper) : undefined;
}

/** Parses `body` into `record` (observations, status, unknowns, rejects). */
export function parseKvBody(body: string, record: ParsedRecord, defaults: Readonly<Record<string, MetricId>>, ctx: FormatContext): void {
  const pairs: Array<[string, string]> = [];
  for (const token of body.split(/\s+/)) {
    if (token === '') continue;
    const pair = PAIR.exec(token);
    if (pair) {
      pairs.push([pair[1] ?? '', pair[2] ?? '']);
    } else if (WORD.test(token)) {
      record.recordFlags |= STATUS_WORD_FLAGS[token] ?? 0;
      if (!record.statusWords.includes(token)) record.statusWords.push(token);
    } else {
      throw new MalformedLineError(`unexpected token "${token.slice(0, 20)}"`, { position: body.indexOf(token) });
    }
  }
  if (pairs.length === 0 && record.statusWords.length === 0) throw new MalformedLineError('no LABEL=VALUE pairs');
  for (const [label, rawValue] of pairs) {
    const metric = resolveLabel(label, defaults, ctx.vendorMap);
    if (metric === 'ignored') continue;
    if (metric === undefined) {
      record.unknownCodes.push(label);
      continue;
    }
    if (isAbsentValue(rawValue)) continue;
    const raw = parseDecimal(rawValue, true);
    if (raw === null) {
      record.rejects.push({ code: 'WL_INGEST_NOT_NUMERIC', message: `${label}="${rawValue.slice(0, 20)}" is not a number`, rawCode: label });
      continue;
    }
    record.observations.push(toObservation({ metric, raw, flags: flagsFor(metric.id, record.recordFlags), deviceTimeMs: record.deviceTimeMs, rawCode: label }, ctx));
  }
}
