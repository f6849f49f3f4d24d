/**
 * The alarms column: one row per alarm event, in batch order. Alarms are few and varied,
 * so they are row-oriented; their strings share the payload's string table.
 * Row: eventId, alarmId, bedId (string refs); patientId, deviceId (ref + 1, 0 = null);
 * source u8; metric MDC code (0 = null); condition ref; priority u8; phase u8;
 * time as zigzag delta from the batch's createdAtMs; exact value (nullable);
 * actor (ref + 1, 0 = null); message ref.
 */
import { CodecInputError, CodecInvalidFieldError } from '../errors/codec.js';
import type { AlarmEvent } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import { readExactNullable, writeExactNullable } from './exact.js';
import {
  ALARM_SOURCES,
  isTimeInRange,
  metricCodecById,
  metricCodecByMdc,
  PHASE_BY_CODE,
  PRIORITY_BY_CODE,
  TIME_MAX_MS,
  TIME_MIN_MS,
} from './format.js';
import { nullableStringAt, stringAt, type StringTableWriter } from './strings.js';

export function writeAlarms(w: ByteWriter, alarms: readonly AlarmEvent[], strings: StringTableWriter, createdAtMs: number): void {
  for (let i = 0; i < alarms.length; i++) {
    const a = alarms[i]!;
    const at = `alarms[${i}]`;
    if (typeof a !== 'object' || a === null) throw new CodecInputError(at, 'must be an AlarmEvent object', a);
    w.uvarint(strings.intern(a.eventId, `${at}.eventId`));
    w.uvarint(strings.intern(a.alarmId, `${at}.alarmId`));
    w.uvarint(strings.intern(a.bedId, `${at}.bedId`));
    w.uvarint(strings.internNullable(a.patientId, `${at}.patientId`));
    w.uvarint(strings.internNullable(a.deviceId, `${at}.deviceId`));
    const source = ALARM_SOURCES.indexOf(a.source);
    if (source < 0) throw new CodecInputError(`${at}.source`, `must be one of ${ALARM_SOURCES.join(', ')}`, a.source);
    w.u8(source);
    if (a.metric === null) w.uvarint(0);
    else {
      const metric = metricCodecById(a.metric);
      if (metric === undefined) throw new CodecInputError(`${at}.metric`, 'is not a catalog metric id', a.metric);
      w.uvarint(metric.mdcCode);
    }
    w.uvarint(strings.intern(a.condition, `${at}.condition`));
    const priority = PRIORITY_BY_CODE.indexOf(a.priority);
    if (priority < 0) throw new CodecInputError(`${at}.priority`, 'must be high, medium or low', a.priority);
    w.u8(priority);
    const phase = PHASE_BY_CODE.indexOf(a.phase);
    if (phase < 0) throw new CodecInputError(`${at}.phase`, `must be one of ${PHASE_BY_CODE.join(', ')}`, a.phase);
    w.u8(phase);
    if (!isTimeInRange(a.timeMs)) throw new CodecInputError(`${at}.timeMs`, 'must be an integer time in 2000..2100', a.timeMs);
    w.svarint(a.timeMs - createdAtMs);
    if (a.value !== null && typeof a.value !== 'number') throw new CodecInputError(`${at}.value`, 'must be a number or null', a.value);
    writeExactNullable(w, a.value);
    w.uvarint(strings.internNullable(a.actor, `${at}.actor`));
    w.uvarint(strings.intern(a.message, `${at}.message`));
  }
}

export function readAlarms(r: ByteReader, count: number, strings: readonly string[], createdAtMs: number, version = 2): AlarmEvent[] {
  const alarms = new Array<AlarmEvent>(count);
  for (let i = 0; i < count; i++) {
    const eventId = stringAt(strings, r.uvarint('alarm.eventId'), 'alarm.eventId');
    const alarmId = stringAt(strings, r.uvarint('alarm.alarmId'), 'alarm.alarmId');
    const bedId = stringAt(strings, r.uvarint('alarm.bedId'), 'alarm.bedId');
    const patientId = nullableStringAt(strings, r.uvarint('alarm.patientId'), 'alarm.patientId');
    const deviceId = nullableStringAt(strings, r.uvarint('alarm.deviceId'), 'alarm.deviceId');
    const source = ALARM_SOURCES[r.u8()];
    if (source === undefined) throw new CodecInvalidFieldError('alarm.source', r.buf[r.pos - 1], 'must be 0 or 1');
    const code = r.uvarint('alarm.metric');
    let metric: AlarmEvent['metric'] = null;
    if (code !== 0) {
      const m = metricCodecByMdc(code);
      if (m === undefined) throw new CodecInvalidFieldError('alarm.metric', code, 'is not a catalog MDC code');
      metric = m.id;
    }
    const condition = stringAt(strings, r.uvarint('alarm.condition'), 'alarm.condition');
    const priority = PRIORITY_BY_CODE[r.u8()];
    if (priority === undefined) throw new CodecInvalidFieldError('alarm.priority', r.buf[r.pos - 1], 'must be 0..2');
    const phase = PHASE_BY_CODE[r.u8()];
    if (phase === undefined) throw new CodecInvalidFieldError('alarm.phase', r.buf[r.pos - 1], 'must be 0..4');
    const timeMs = createdAtMs + r.svarint('alarm.timeMs');
    if (!(timeMs >= TIME_MIN_MS && timeMs < TIME_MAX_MS)) throw new CodecInvalidFieldError('alarm.timeMs', timeMs, 'outside 2000..2100');
    const value = readExactNullable(r, 'alarm.value', true, version);
    const actor = nullableStringAt(strings, r.uvarint('alarm.actor'), 'alarm.actor');
    const message = stringAt(strings, r.uvarint('alarm.message'), 'alarm.message');
    alarms[i] = { eventId, alarmId, bedId, patientId, deviceId, source, metric, condition, priority, phase, timeMs, value, actor, message };
  }
  return alarms;
}
