/**
 * Term families: the ISO/IEEE 11073-10101 terms that mean one catalog metric. Monitors
 * report one quantity under different terms by site, source or method: Mindray sends
 * MDC_PRESS_CUFF_SYS where Philips sends MDC_PRESS_BLD_NONINV_SYS, MDC_BLD_PERF_INDEX
 * where Philips sends MDC_PULS_OXIM_PERF_REL, the site-less MDC_TEMP where others send
 * MDC_TEMP_BODY. Each is the metric.
 *
 * Within a family the terms are RANKED (first is best). When one device record carries
 * two terms of one family (pulse rate from the oximeter and from the cuff), the better
 * ranked is stored as the metric and the other keeps its own code as an uncatalogued
 * term (`metric-key.ts`): nothing is dropped, and the two values never collide on the
 * metric's key.
 *
 * Left OUT on purpose, so they arrive as uncatalogued terms under their own codes:
 * MDC_ECG_PACED_BEAT_RATE (paced beats, not HR); MDC_PULS_OXIM_SAT_O2_DIFF (a difference),
 * MDC_SAT_O2_ART and _VEN (blood gas, not SpO2); the ventilator rates MDC_VENT_*_RESP_RATE;
 * pulmonary, aortic, umbilical and site-less blood pressures (MDC_PRESS_BLD_ART_PULM_*,
 * _AORT_*, _ART_UMB_*, MDC_PRESS_BLD_*: not the arterial line's ABP); continuous
 * non-invasive BP (MDC_PRESS_BLD_NONINV_CTS_*); skin, finger, toe, airway-gas and
 * injectate temperatures (not body temperature); expired and inspired CO2
 * (MDC_CONC_AWAY_CO2_EXP, _INSP: not end-tidal).
 *
 * Codes are partition 2 (SCADA): 2 * 65536 + term code. Sources, checked term by term:
 *  - the 10101:2004 SCADA partition as a #define list:
 *    wlbaker/mdrepo intfcode/intellivue/Shared/Nomenclature/x73_nomenclature_medical_scada.h
 *    (commit 573691579a02a19a0590d94e425bdc6c585e4f70);
 *  - the 11073-10408 thermometer sites (MDC_TEMP_RECT/ORAL/EAR/AXILLA/GIT/TYMP):
 *    conqlima/Antidote src/specializations/thermometer.h;
 *  - the PHD subset: folterj/IEEE11073Analyser phd/nomenclature.h;
 *  - what a Mindray feed sends (CUFF, ART_ABP, TTHOR_RESP_RATE, MDC_TEMP, BLD_PERF_INDEX):
 *    caowm/pds-server api/device/services/device-item.js.
 * MDC_PULS_OXIM_PLETH_RESP_RATE (151658, respiration from the pleth wave) is not in the
 * 2004 list; it is taken from Mindray/Masimo PCD-01 feeds, after the terms that are.
 */
import type { MetricId } from './metrics.js';

export interface FamilyTerm {
  /** The 32-bit MDC code. */
  code: number;
  refId: string;
  metric: MetricId;
  /** 0 is the metric's own term; a smaller rank wins within one record. */
  rank: number;
}

const SCADA = 2 * 65536;

/** Per metric, its terms best first: [refId, term code within partition 2]. */
const FAMILIES: Readonly<Record<MetricId, ReadonlyArray<readonly [string, number]>>> = {
  // 147842 has two reference ids in the standard; Philips sends CARD_BEAT_RATE.
  HR: [['MDC_ECG_HEART_RATE', 16770], ['MDC_ECG_CARD_BEAT_RATE', 16770], ['MDC_ECG_CARD_BEAT_RATE_BTB', 16778]],
  PR: [
    ['MDC_PULS_OXIM_PULS_RATE', 18458],
    ['MDC_PLETH_PULS_RATE', 18466],
    ['MDC_PULS_RATE', 18442],
    ['MDC_BLD_PULS_RATE_INV', 18450],
    // Intermittent, from the cuff: it must never win over the oximeter's continuous rate.
    ['MDC_PULS_RATE_NON_INV', 18474],
  ],
  SPO2: [
    ['MDC_PULS_OXIM_SAT_O2', 19384],
    ['MDC_PULS_OXIM_SAT_O2_CTS', 19388],
    ['MDC_PULS_OXIM_SAT_O2_NONCTS', 19392],
    ['MDC_PULS_OXIM_SAT_O2_ART_LEFT', 19400],
    ['MDC_PULS_OXIM_SAT_O2_ART_RIGHT', 19404],
    // Saturation with no method stated: only when nothing better came.
    ['MDC_SAT_O2', 19244],
  ],
  PI: [['MDC_PULS_OXIM_PERF_REL', 19376], ['MDC_BLD_PERF_INDEX', 19416]],
  RR: [
    ['MDC_RESP_RATE', 20490],
    ['MDC_TTHOR_RESP_RATE', 20506],
    ['MDC_CO2_RESP_RATE', 20522],
    ['MDC_AWAY_RESP_RATE', 20498],
    ['MDC_PRESS_RESP_RATE', 20530],
    ['MDC_PULS_OXIM_PLETH_RESP_RATE', 20586],
  ],
  NIBP_SYS: [['MDC_PRESS_BLD_NONINV_SYS', 18949], ['MDC_PRESS_CUFF_SYS', 19229]],
  NIBP_DIA: [['MDC_PRESS_BLD_NONINV_DIA', 18950], ['MDC_PRESS_CUFF_DIA', 19230]],
  NIBP_MEAN: [['MDC_PRESS_BLD_NONINV_MEAN', 18951], ['MDC_PRESS_CUFF_MEAN', 19231]],
  ABP_SYS: [['MDC_PRESS_BLD_ART_SYS', 18961], ['MDC_PRESS_BLD_ART_ABP_SYS', 18965]],
  ABP_DIA: [['MDC_PRESS_BLD_ART_DIA', 18962], ['MDC_PRESS_BLD_ART_ABP_DIA', 18966]],
  ABP_MEAN: [['MDC_PRESS_BLD_ART_MEAN', 18963], ['MDC_PRESS_BLD_ART_ABP_MEAN', 18967]],
  TEMP: [
    ['MDC_TEMP_BODY', 19292],
    ['MDC_TEMP_CORE', 19296],
    ['MDC_TEMP_ESOPH', 19300],
    ['MDC_TEMP_NASOPH', 19308],
    ['MDC_TEMP_FOLEY', 19276],
    ['MDC_TEMP_ART', 19280],
    ['MDC_TEMP_VEN', 19324],
    ['MDC_TEMP_RECT', 57348],
    ['MDC_TEMP_TYMP', 19320],
    ['MDC_TEMP_EAR', 57356],
    ['MDC_TEMP_ORAL', 57352],
    ['MDC_TEMP_AXILLA', 57380],
    ['MDC_TEMP_GIT', 57384],
    // The site-less generic term, as Mindray sends it.
    ['MDC_TEMP', 19272],
  ],
  ETCO2: [
    ['MDC_CONC_AWAY_CO2_ET', 20636],
    ['MDC_AWAY_CO2_ET', 20656],
    ['MDC_VENT_AWAY_CO2_ET', 20856],
    ['MDC_VENT_CONC_AWAY_CO2_ET', 20824],
  ],
};

const byCode = new Map<number, FamilyTerm>();
const byRefId = new Map<string, FamilyTerm>();
export const FAMILY_TERMS: readonly FamilyTerm[] = (Object.entries(FAMILIES) as [MetricId, ReadonlyArray<readonly [string, number]>][]).flatMap(
  ([metric, terms]) =>
    terms.map(([refId, term], rank) => {
      const t: FamilyTerm = { code: SCADA + term, refId, metric, rank };
      // A code with two reference ids keeps its first (better) rank.
      if (!byCode.has(t.code)) byCode.set(t.code, t);
      byRefId.set(refId, t);
      return t;
    }),
);

/** The family term of a code, or undefined when the code belongs to no catalog metric. */
export function familyTermOfCode(code: number): FamilyTerm | undefined {
  return byCode.get(code);
}

/** The family term of an MDC reference id (`MDC_TEMP`), or undefined. */
export function familyTermOfRefId(refId: string): FamilyTerm | undefined {
  return byRefId.get(refId);
}

/** The catalog metric a code means, if it is one of a family's terms. */
export function catalogMetricOfCode(code: number): MetricId | undefined {
  return byCode.get(code)?.metric;
}
