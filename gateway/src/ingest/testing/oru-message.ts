/**
 * An IHE PCD-01 ORU^R01 as a bedside monitor sends it (to the second, as HL7 times are):
 * SpO2 and pulse rate, and optionally an NIBP systolic with its own measurement time
 * (OBX-14). For the tests that drive a real daemon's HL7 listener.
 */
import { formatHl7Time } from '../formats/hl7/timestamp.js';

export interface OruOptions {
  /** MSH-3: the id the device is matched by. */
  sender: string;
  /** PID-3 and PV1-3's bed. */
  patientId: string;
  bedId: string;
  controlId: string;
  timeMs: number;
  spo2: number;
  /** An NIBP systolic of 120 measured at this time (OBX-14). */
  nibpAtMs?: number;
  /** The NIBP between the SpO2 and the pulse rate instead of after them. */
  nibpBetween?: boolean;
}

export function oruMessage(o: OruOptions): string {
  const nibp = o.nibpAtMs === undefined ? [] : [`OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC|||||R|||${formatHl7Time(o.nibpAtMs)}`];
  return [
    `MSH|^~\\&|${o.sender}|WARD||WARDLINK|${formatHl7Time(o.timeMs)}||ORU^R01^ORU_R01|${o.controlId}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    `PID|||${o.patientId}^^^HOSP^MR`,
    `PV1||I|ICU^^${o.bedId}`,
    `OBR|1|||182777000^monitoring of patient^SCT|||${formatHl7Time(o.timeMs)}`,
    `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|${o.spo2}|262688^MDC_DIM_PERCENT^MDC|||||R`,
    ...(o.nibpBetween === true ? nibp : []),
    'OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1.1.149530|88|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
    ...(o.nibpBetween === true ? [] : nibp),
  ].join('\r');
}
