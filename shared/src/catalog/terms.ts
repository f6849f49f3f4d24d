/**
 * MDC terms Wardlink knows by name without a catalog metric: the terms its families leave
 * out on purpose (families.ts), which monitors send next to the vitals. Knowing them
 * lets an OBX-3 that carries only a reference id be kept under its code, and lets
 * readers see `MDC_PRESS_BLD_ART_PULM_MEAN` instead of a bare 150047. Any other valid
 * code is kept all the same; it is only shown by number.
 *
 * Same sources as families.ts (the 10101:2004 SCADA #define list in wlbaker/mdrepo
 * x73_nomenclature_medical_scada.h, commit 573691579a02a19a0590d94e425bdc6c585e4f70).
 */
import { FAMILY_TERMS } from './families.js';
import { isMetricId } from './lookup.js';
import type { MetricKey } from './metric-key.js';
import { METRICS } from './metrics.js';

const SCADA = 2 * 65536;

/** [reference id, term code in partition 2, a short name for displays]. */
const OTHER_TERMS: ReadonlyArray<readonly [string, number, string]> = [
  ['MDC_ECG_PACED_BEAT_RATE', 16554, 'Paced beat rate'],
  ['MDC_PULS_OXIM_SAT_O2_DIFF', 19396, 'SpO2 difference'],
  ['MDC_SAT_O2_ART', 19252, 'SaO2'],
  ['MDC_SAT_O2_VEN', 19260, 'SvO2'],
  ['MDC_VENT_RESP_RATE', 20514, 'Ventilator rate'],
  ['MDC_VENT_CO2_RESP_RATE', 20538, 'Ventilator rate (CO2)'],
  ['MDC_VENT_PRESS_RESP_RATE', 20546, 'Ventilator rate (pressure)'],
  ['MDC_VENT_FLOW_RESP_RATE', 20554, 'Ventilator rate (flow)'],
  ['MDC_PRESS_BLD', 18944, 'Blood pressure'],
  ['MDC_PRESS_BLD_SYS', 18945, 'Blood pressure systolic'],
  ['MDC_PRESS_BLD_DIA', 18946, 'Blood pressure diastolic'],
  ['MDC_PRESS_BLD_MEAN', 18947, 'Blood pressure mean'],
  ['MDC_PRESS_BLD_NONINV_CTS', 18952, 'Continuous NIBP'],
  ['MDC_PRESS_BLD_NONINV_SYS_CTS', 18953, 'Continuous NIBP systolic'],
  ['MDC_PRESS_BLD_NONINV_DIA_CTS', 18954, 'Continuous NIBP diastolic'],
  ['MDC_PRESS_BLD_NONINV_MEAN_CTS', 18955, 'Continuous NIBP mean'],
  ['MDC_PRESS_BLD_AORT', 18956, 'Aortic pressure'],
  ['MDC_PRESS_BLD_AORT_SYS', 18957, 'Aortic pressure systolic'],
  ['MDC_PRESS_BLD_AORT_DIA', 18958, 'Aortic pressure diastolic'],
  ['MDC_PRESS_BLD_AORT_MEAN', 18959, 'Aortic pressure mean'],
  ['MDC_PRESS_BLD_ART_PULM', 18972, 'Pulmonary artery pressure'],
  ['MDC_PRESS_BLD_ART_PULM_SYS', 18973, 'PAP systolic'],
  ['MDC_PRESS_BLD_ART_PULM_DIA', 18974, 'PAP diastolic'],
  ['MDC_PRESS_BLD_ART_PULM_MEAN', 18975, 'PAP mean'],
  ['MDC_PRESS_BLD_ART_UMB', 18984, 'Umbilical arterial pressure'],
  ['MDC_PRESS_BLD_ART_UMB_SYS', 18985, 'Umbilical arterial systolic'],
  ['MDC_PRESS_BLD_ART_UMB_DIA', 18986, 'Umbilical arterial diastolic'],
  ['MDC_PRESS_BLD_ART_UMB_MEAN', 18987, 'Umbilical arterial mean'],
  ['MDC_PRESS_BLD_NONINV', 18948, 'NIBP'],
  ['MDC_PRESS_CUFF', 19228, 'Cuff pressure'],
  ['MDC_PRESS_BLD_ART', 18960, 'Arterial pressure'],
  ['MDC_PRESS_BLD_ART_ABP', 18964, 'ABP'],
  ['MDC_TEMP_SKIN', 19316, 'Skin temperature'],
  ['MDC_TEMP_FINGER', 57360, 'Finger temperature'],
  ['MDC_TEMP_TOE', 57376, 'Toe temperature'],
  ['MDC_TEMP_AWAY', 19284, 'Airway temperature'],
  ['MDC_TEMP_INJ', 19304, 'Injectate temperature'],
  ['MDC_CONC_AWAY_CO2_EXP', 20640, 'Expired CO2 (concentration)'],
  ['MDC_AWAY_CO2_EXP', 20660, 'Expired CO2'],
  ['MDC_CONC_AWAY_CO2_INSP', 20644, 'Inspired CO2 (concentration)'],
  ['MDC_AWAY_CO2_INSP', 20664, 'Inspired CO2'],
];

export interface KnownTerm {
  code: number;
  refId: string;
  name: string;
}

const byCode = new Map<number, KnownTerm>();
const byRefId = new Map<string, KnownTerm>();
for (const [refId, term, name] of OTHER_TERMS) {
  const t = { code: SCADA + term, refId, name };
  byCode.set(t.code, t);
  byRefId.set(refId, t);
}
for (const f of FAMILY_TERMS) {
  const t = { code: f.code, refId: f.refId, name: `${METRICS[f.metric].displayName} (${f.refId})` };
  if (!byCode.has(t.code)) byCode.set(t.code, t);
  if (!byRefId.has(t.refId)) byRefId.set(t.refId, t);
}

/** A term Wardlink knows by its code (families and the list above), or undefined. */
export function knownTermOfCode(code: number): KnownTerm | undefined {
  return byCode.get(code);
}

/** A term Wardlink knows by its reference id, or undefined. */
export function knownTermOfRefId(refId: string): KnownTerm | undefined {
  return byRefId.get(refId);
}

/** What to call a metric key on a display: the catalog name, a known term's, or its code. */
export function metricDisplayName(key: MetricKey): string {
  if (isMetricId(key)) return METRICS[key].displayName;
  return byCode.get(Number(key))?.name ?? `MDC ${key}`;
}
