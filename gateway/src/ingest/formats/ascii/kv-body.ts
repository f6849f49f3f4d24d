/**
 * The body shared by the ASCII formats: whitespace-separated `LABEL=VALUE` pairs plus
 * optional status words (`SPO2=97 BPM=072 PI=03.10% SENSOR_OFF`).
 *
 * Rules (see ../README.md): absent values (`--`, `---`, `--.-`, optionally with `%`) are
 * skipped; values may be zero-padded and carry a `%` suffix; a status word flags the
 * values it concerns (sensor-off: SpO2, PR, PI; demo: all); labels resolve through the
 * device's vendor map (to a metric id or an MDC code), then the format's default labels,
 * then catalog short ids and MDC reference ids; the labels that are not measurements
 * (SN, ALARM, EXC: a serial number and alarm bit fields) are ignored; every other label is
 * a value Wardlink cannot key, refused and counted (WL_INGEST_UNKNOWN_METRIC) until the
 * device's vendor map names it (Masimo's SPCO, SPMET, SPHB, PVI... map them to their MDC
 * codes). A token that is neither a pair nor an upper-case word means the line is garbled
 * (wrong baud rate, noise), and the whole line is refused rather than half-trusted.
 */
import { isMetricId, MalformedLineError, metricById, QualityFlag, resolveTerm, type MetricId, type ResolvedTerm, type VendorCodeMap } from '@wardlink/shared';
import { settleFamilies } from '../families.js';
import type { FormatContext, ParsedRecord } from '../format.js';
import { buildObservation, isAbsentValue, isReject, parseDecimal } from '../observation.js';

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

function flagsFor(term: ResolvedTerm, recordFlags: number): number {
  return term.kind === 'catalog' && SENSOR_OFF_METRICS.has(term.metric.id) ? recordFlags : recordFlags & ~QualityFlag.SENSOR_OFF;
}

/** Labels Masimo-style exports carry that are no measurement: the serial number and the
 * alarm and exception bit fields. */
export const IGNORED_LABELS: ReadonlySet<string> = new Set(['SN', 'ALARM', 'EXC']);

const PAIR = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/;
const WORD = /^[A-Z][A-Z0-9_]*$/;

function resolveLabel(label: string, defaults: Readonly<Record<string, MetricId>>, vendorMap: VendorCodeMap | undefined): ResolvedTerm | 'ignored' | undefined {
  const upper = label.toUpperCase();
  if (vendorMap !== undefined) {
    const key = Object.hasOwn(vendorMap, label) ? label : Object.hasOwn(vendorMap, upper) ? upper : undefined;
    if (key !== undefined) return resolveTerm({ code: key }, vendorMap);
  }
  const byDefault = Object.hasOwn(defaults, upper) ? defaults[upper] : undefined;
  if (byDefault !== undefined) {
    const metric = metricById(byDefault);
    return { kind: 'catalog', metric, code: metric.mdcCode, rank: 0 };
  }
  if (IGNORED_LABELS.has(upper)) return 'ignored';
  if (isMetricId(upper)) {
    const metric = metricById(upper);
    return { kind: 'catalog', metric, code: metric.mdcCode, rank: 0 };
  }
  // An ASCII label is no coding system: only a full MDC reference id names a term.
  return label.startsWith('MDC_') ? resolveTerm({ name: label }) : undefined;
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
    const term = resolveLabel(label, defaults, ctx.vendorMap);
    if (term === 'ignored' || isAbsentValue(rawValue)) continue;
    if (term === undefined) {
      record.unknownCodes.push(label);
      continue;
    }
    const raw = parseDecimal(rawValue, true);
    if (raw === null) {
      record.rejects.push({ code: 'WL_INGEST_NOT_NUMERIC', message: `${label}="${rawValue.slice(0, 20)}" is not a number`, rawCode: label });
      continue;
    }
    const obs = buildObservation({ term, raw, flags: flagsFor(term, record.recordFlags), deviceTimeMs: record.deviceTimeMs, rawCode: label }, ctx);
    if (isReject(obs)) record.rejects.push(obs);
    else record.observations.push(obs);
  }
  settleFamilies(record);
}
