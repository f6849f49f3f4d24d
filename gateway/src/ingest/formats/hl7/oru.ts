/**
 * IHE PCD-01 ORU^R01 → ParsedRecord. Walks the segments in order so each OBX takes its
 * time from OBX-14, else the OBR-7 (or OBR-14) of its OBR group, else MSH-7; repeated OBR groups
 * and OBX rows before any OBR are fine. Device-hierarchy rows (MDS/VMD/channel: no value)
 * are skipped, and an empty OBX-1 is fine.
 */
import { isIngestError, MissingSegmentError, QualityFlag, UnsupportedMessageError } from '@wardlink/shared';
import { emptyRecord, type FormatContext, type FormatReject, type ParsedRecord } from '../format.js';
import { settleFamilies } from '../families.js';
import { buildObservation, isAbsentValue, isReject, parseDecimal } from '../observation.js';
import { normalizeMdcCode, resolveObservation } from './codes.js';
import { bedLabelOf, equipmentIdOf } from './identity.js';
import { readMsh, type MshHeader } from './msh.js';
import { component, componentOf, parseHl7Structure, repetitions, type Hl7Message, type Hl7Segment } from './segments.js';
import { parseHl7Time } from './timestamp.js';
import type { Hl7Separators } from './encoding.js';

export interface Hl7Record extends ParsedRecord {
  msh: MshHeader;
}

/** OBX-8 words Wardlink reads as status (OBX-8 is an open list in PCD-01). */
const OBX8_FLAGS: Readonly<Record<string, number>> = {
  DEMO: QualityFlag.DEMO,
  SENSOR_OFF: QualityFlag.SENSOR_OFF,
  NO_SENSOR: QualityFlag.SENSOR_OFF,
  PROBE_OFF: QualityFlag.SENSOR_OFF,
  LEAD_OFF: QualityFlag.SENSOR_OFF,
};

/** OBX-2 value types whose OBX-5 is a code or a time, never a quantity. */
const NEVER_QUANTITY_TYPES: ReadonlySet<string> = new Set(['CE', 'CNE', 'CWE', 'CF', 'CX', 'DT', 'DTM', 'TS', 'TM', 'ED', 'RP']);

type TimeSource = { ms: number | null } | { error: FormatReject };

function timeSource(raw: string, ctx: FormatContext, what: string): TimeSource {
  try {
    return { ms: parseHl7Time(raw, ctx.utcOffsetMinutes ?? 0) };
  } catch (err) {
    if (!isIngestError(err)) throw err;
    return { error: { code: err.code, message: `${what}: ${err.message}` } };
  }
}

interface Walk {
  ctx: FormatContext;
  sep: Hl7Separators;
  record: Hl7Record;
  mshTime: TimeSource;
  obrTime: TimeSource | undefined;
}

function readStatus(obx: Hl7Segment, w: Walk): number {
  let flags = 0;
  for (const rep of repetitions(obx, 8, w.sep)) {
    const word = componentOf(rep, 1, w.sep).trim().toUpperCase();
    if (word === '') continue;
    flags |= OBX8_FLAGS[word] ?? 0;
    if (!w.record.statusWords.includes(word)) w.record.statusWords.push(word);
  }
  w.record.recordFlags |= flags;
  // OBX-11 "X": the device says the result cannot be obtained (Philips shows "?").
  if (component(obx, 11, 1, w.sep).trim().toUpperCase() === 'X') flags |= QualityFlag.INVALID;
  return flags;
}

function handleObx(obx: Hl7Segment, w: Walk): void {
  const { sep, record, ctx } = w;
  const id = { code: component(obx, 3, 1, sep).trim(), name: component(obx, 3, 2, sep).trim(), codingSystem: component(obx, 3, 3, sep).trim() };
  const rawCode = id.code || id.name;
  const rawValue = component(obx, 5, 1, sep);
  if (record.equipmentId === undefined) {
    const equipment = equipmentIdOf(obx, sep);
    if (equipment !== '') record.equipmentId = equipment;
  }
  const flags = readStatus(obx, w);
  // Hierarchy rows (MDS, VMD, channel) carry no value: they are structure, not readings.
  if (isAbsentValue(rawValue)) return;
  const valueType = component(obx, 2, 1, sep).trim().toUpperCase();
  // Coded and time rows (blood type "1^A", body position, a date) are not quantities even
  // when their first component is digits: never readings, whatever their code.
  if (NEVER_QUANTITY_TYPES.has(valueType)) return;
  const raw = parseDecimal(rawValue);
  // Text rows (ST, TX, FT: device attributes, alert texts) are readings only when they hold
  // a number, as some monitors send their numerics typed ST.
  if (raw === null && valueType !== 'NM' && valueType !== '') return;
  const term = resolveObservation(id, ctx.vendorMap);
  if (!term) {
    record.unknownCodes.push(rawCode === '' ? '(empty OBX-3)' : id.codingSystem === '' ? rawCode : `${rawCode}^${id.codingSystem}`);
    return;
  }
  if (raw === null) {
    // A row typed numeric, or a vital sign, that does not parse is refused.
    record.rejects.push({ code: 'WL_INGEST_NOT_NUMERIC', message: `OBX-5 "${rawValue.slice(0, 40)}" of ${rawCode.slice(0, 40)} is not a number`, rawCode });
    return;
  }
  const units = [normalizeMdcCode(component(obx, 6, 1, sep).trim()), component(obx, 6, 2, sep).trim()];
  const obxTime = component(obx, 14, 1, sep);
  const time = obxTime.trim() !== '' ? timeSource(obxTime, ctx, 'OBX-14') : w.obrTime ?? w.mshTime;
  if ('error' in time) {
    record.rejects.push({ ...time.error, rawCode });
    return;
  }
  const obs = buildObservation({ term, raw, units, flags, deviceTimeMs: time.ms, rawCode }, ctx);
  if (isReject(obs)) record.rejects.push(obs);
  else {
    const channel = component(obx, 4, 1, sep).trim();
    if (channel !== '') obs.channel = channel.slice(0, 32);
    record.observations.push(obs);
  }
}

/** Parses the text of one ORU^R01 message (already out of its MLLP frame). */
export function parseOruR01(text: string, ctx: FormatContext): Hl7Record {
  const message = parseHl7Structure(text);
  const msh = readMsh(message);
  assertOruR01(message, msh);
  return readOruR01(message, msh, ctx);
}

/** Refuses, whole, a message that is not an ORU^R01 with observations. Needs no device:
 * the HL7 listener runs it before it looks the device up. */
export function assertOruR01(message: Hl7Message, msh: MshHeader): void {
  if (msh.messageType !== 'ORU^R01') throw new UnsupportedMessageError(msh.messageType.slice(0, 20), { controlId: msh.controlId });
  if (!message.segments.some((s) => s.name === 'OBX')) throw new MissingSegmentError('OBX', { controlId: msh.controlId });
}

/** Reads an ORU^R01 that `assertOruR01` passed, with its device's context (vendor map,
 * clock offset): the segments are parsed once, whatever is learned about the device later. */
export function readOruR01(message: Hl7Message, msh: MshHeader, ctx: FormatContext): Hl7Record {
  const sep = message.separators;
  const record: Hl7Record = { ...emptyRecord(), msh, controlId: msh.controlId };
  const walk: Walk = { ctx, sep, record, mshTime: timeSource(msh.messageTime, ctx, 'MSH-7'), obrTime: undefined };
  let firstObrTime: TimeSource | undefined;
  for (const seg of message.segments) {
    if (seg.name === 'PID' && record.patientId === undefined) {
      const pid = component(seg, 3, 1, sep).trim();
      if (pid !== '') record.patientId = pid;
    } else if (seg.name === 'PV1' && record.bedLabel === undefined) {
      const bed = bedLabelOf(seg, sep);
      if (bed !== '') record.bedLabel = bed;
    } else if (seg.name === 'OBR') {
      // OBR-7, the observation time; Philips IntelliVue Information Center leaves it empty
      // and sends the time in OBR-14.
      const obr7 = component(seg, 7, 1, sep);
      const obr14 = component(seg, 14, 1, sep);
      walk.obrTime = obr7.trim() !== '' ? timeSource(obr7, ctx, 'OBR-7') : obr14.trim() !== '' ? timeSource(obr14, ctx, 'OBR-14') : undefined;
      firstObrTime ??= walk.obrTime;
    } else if (seg.name === 'OBX') {
      handleObx(seg, walk);
    }
  }
  const recordTime = [firstObrTime, walk.mshTime].find((t) => t !== undefined && 'ms' in t && t.ms !== null);
  record.deviceTimeMs = recordTime !== undefined && 'ms' in recordTime ? recordTime.ms : null;
  settleFamilies(record);
  return record;
}
