/**
 * The ORU^R40 (IHE PCD-04 "Report Alert") for one alarm phase, and the keep-alive the
 * watchdog sends when nothing else is going out. One OBR per message (one alert), seven
 * OBX facets. Field by field, with where each value comes from: docs/interop.md.
 */
import { metricById } from '@wardlink/shared';
import { escapeHl7, formatHl7Time } from '../../ingest/formats/hl7/index.js';
import type { Pcd04Alert } from './alert.js';
import { PRIORITY_CODE } from './alert.js';
import { ACM_PROFILE, FACET, LOCAL_CODING_SYSTEM, MDC_EVT_ALARM, MDC_EVT_HI, MDC_EVT_LO, ORU_R40 } from './codes.js';

/** MSH addressing, as configured (`alarms.pcd04.*`). HD values are written as given, so
 * `WARDLINK^icu-3a` fills two components; they are checked for `|` and line breaks at start. */
export interface Pcd04Addressing {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string | null;
  receivingFacility: string | null;
}

/** Where the patient is: PV1-3 (point of care ^ room ^ bed). */
export interface Pcd04Place {
  pointOfCare: string;
  /** The bed's label (registry), or null for the gateway's own alarms (bed `-`). */
  bedLabel: string | null;
}

/** HL7 DTM with milliseconds, UTC: `YYYYMMDDHHMMSS.SSS+0000`. */
export function hl7TimeMs(ms: number): string {
  const whole = formatHl7Time(ms);
  const fraction = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return `${whole.slice(0, 14)}.${fraction}${whole.slice(14)}`;
}

const esc = (text: string) => escapeHl7(text);

function msh(addr: Pcd04Addressing, type: string, controlId: string, nowMs: number): string {
  return ['MSH', '^~\\&', addr.sendingApplication, addr.sendingFacility, addr.receivingApplication ?? '', addr.receivingFacility ?? '', hl7TimeMs(nowMs), '', type, esc(controlId), 'P', '2.6', '', '', 'AL', 'NE', '', 'UNICODE UTF-8', '', '', type === ORU_R40 ? ACM_PROFILE : ''].join('|').replace(/\|+$/, '');
}

/** The namespace of the alert ids (EI-2): the sending application's first component. */
function namespaceOf(addr: Pcd04Addressing): string {
  return addr.sendingApplication.split('^')[0] ?? '';
}

function obx(setId: number, type: string, id: string, value: string, extra: { units?: string; range?: string; interpretation?: string; timeMs?: number; equipment?: string } = {}): string {
  const f = ['OBX', String(setId), type, id, `1.0.0.0.${setId}`, value, extra.units ?? '', extra.range ?? '', extra.interpretation ?? '', '', '', 'F', '', '', extra.timeMs === undefined ? '' : hl7TimeMs(extra.timeMs), '', '', '', extra.equipment ?? ''];
  return f.join('|').replace(/\|+$/, '');
}

/** OBX 1: what happened (the limit event, or a technical condition). */
function eventRow(alert: Pcd04Alert): string {
  const e = alert.event;
  const priority = PRIORITY_CODE[e.priority];
  if (e.source === 'physiological') {
    const code = e.condition === 'low' ? MDC_EVT_LO : e.condition === 'high' ? MDC_EVT_HI : MDC_EVT_ALARM;
    const abnormal = e.condition === 'low' ? 'L~' : e.condition === 'high' ? 'H~' : '';
    return obx(1, 'ST', code, esc(e.message), { interpretation: `${abnormal}${priority}~SP`, timeMs: e.timeMs });
  }
  return obx(1, 'CWE', MDC_EVT_ALARM, `${esc(e.condition)}^${esc(e.message)}^${LOCAL_CODING_SYSTEM}`, { interpretation: `${priority}~ST`, timeMs: e.timeMs });
}

/** OBX 2: the source: the measured value and the limit (physiological), else the device. */
function sourceRow(alert: Pcd04Alert, measured: number | null): string {
  const e = alert.event;
  const equipment = e.deviceId === null ? '' : esc(e.deviceId);
  if (e.source === 'physiological' && e.metric !== null) {
    const m = metricById(e.metric);
    return obx(2, 'NM', `${m.mdcCode}^${m.mdcRefId}^MDC`, measured === null ? '' : String(measured), {
      units: `${m.unitMdcCode}^${m.unitMdcRefId}^MDC`,
      range: alert.range,
      timeMs: e.timeMs,
      equipment,
    });
  }
  return obx(2, 'ST', FACET.source, e.deviceId === null ? 'gateway' : esc(e.deviceId), { equipment });
}

export interface BuildOptions {
  addressing: Pcd04Addressing;
  place: Pcd04Place;
  /** The value to report: the event's, or for a phase without one (an acknowledgement) the alarm's. */
  measured: number | null;
  nowMs: number;
}

/** The ORU^R40 text, segments ended by CR. MSH-10 is the event id: stable across resends,
 * so a manager can drop a duplicate. */
export function buildOruR40(alert: Pcd04Alert, opts: BuildOptions): string {
  const e = alert.event;
  const ns = esc(namespaceOf(opts.addressing));
  const first = e.phase === 'raised';
  // OBR-3 names this report; OBR-29 (EIP-2) names the alert it continues: the raise's OBR-3.
  const filler = `${esc(first ? e.alarmId : e.eventId)}^${ns}`;
  const parent = first ? '' : `^${esc(e.alarmId)}&${ns}`;
  const obr = ['OBR', '1', '', filler, MDC_EVT_ALARM, '', '', hl7TimeMs(e.timeMs), ...Array<string>(21).fill(''), parent].join('|').replace(/\|+$/, '');
  const bed = opts.place.bedLabel === null ? '' : `^^${esc(opts.place.bedLabel)}`;
  const segments = [
    msh(opts.addressing, ORU_R40, e.eventId, opts.nowMs),
    e.patientId === null ? 'PID' : `PID|||${esc(e.patientId)}^^^^PI`,
    `PV1||I|${esc(opts.place.pointOfCare)}${bed}`,
    obr,
    eventRow(alert),
    sourceRow(alert, opts.measured),
    obx(3, 'ST', FACET.phase, alert.eventPhase),
    obx(4, 'ST', FACET.state, alert.alarmState),
    obx(5, 'ST', FACET.inactivation, alert.inactivationState),
    obx(6, 'ST', FACET.priority, PRIORITY_CODE[e.priority]),
    obx(7, 'ST', FACET.alertType, e.source === 'physiological' ? 'SP' : 'ST'),
  ];
  return segments.join('\r') + '\r';
}

/**
 * The watchdog's keep-alive: an HL7 application management message (NMD^N02, HL7 v2.6
 * chapter 14), not an alert, so a manager never shows it to a nurse. Any answer to it
 * (AA, or AE/AR from a manager that does not take NMD) proves the manager is there.
 */
export function buildKeepAlive(addressing: Pcd04Addressing, controlId: string, nowMs: number): string {
  return `${msh(addressing, 'NMD^N02^NMD_N02', controlId, nowMs)}\rNST|Y\r`;
}
