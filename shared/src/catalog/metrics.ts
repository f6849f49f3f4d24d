/**
 * The metric catalog: every numeric Wardlink understands, keyed by a short stable id.
 *
 * Codes come from ISO/IEEE 11073-10101 (nomenclature) as listed by NIST RTMMS. A numeric
 * MDC code is `partition * 65536 + term code`; all metrics here are partition 2 (SCADA).
 * Units are the MDC dimension codes (partition 4) and their UCUM equivalents per
 * IEEE 11073-10101 Annex / the IHE PCD Rosetta unit table.
 *
 * `possibleMin`/`possibleMax` bound what is physiologically possible (not alarm limits):
 * a value outside is stored flagged INVALID. `resolution` is the step the monitors report
 * at, and the step the batch codec quantizes to.
 */
export interface MetricDefinition {
  /** Wardlink's stable short id, used in APIs, topics and the CLI. */
  id: MetricId;
  /** The MDC numeric code (partition 2), e.g. 147842 for MDC_ECG_HEART_RATE. */
  mdcCode: number;
  /** The MDC reference id, e.g. "MDC_ECG_HEART_RATE". */
  mdcRefId: string;
  /** The MDC unit numeric code, e.g. 264864 for MDC_DIM_BEAT_PER_MIN. */
  unitMdcCode: number;
  /** The MDC unit reference id. */
  unitMdcRefId: string;
  /** The UCUM unit code. */
  ucum: string;
  /** Name shown to nurses and clinicians. */
  displayName: string;
  /** Lowest physiologically possible value, in the catalog unit. */
  possibleMin: number;
  /** Highest physiologically possible value, in the catalog unit. */
  possibleMax: number;
  /** Reporting and encoding resolution, a power of ten (1, 0.1, 0.01). */
  resolution: number;
}

export const METRIC_IDS = [
  'HR',
  'PR',
  'SPO2',
  'PI',
  'RR',
  'NIBP_SYS',
  'NIBP_DIA',
  'NIBP_MEAN',
  'ABP_SYS',
  'ABP_DIA',
  'ABP_MEAN',
  'TEMP',
  'ETCO2',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

const BPM = { unitMdcCode: 264864, unitMdcRefId: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min' } as const;
const PERCENT = { unitMdcCode: 262688, unitMdcRefId: 'MDC_DIM_PERCENT', ucum: '%' } as const;
const MMHG = { unitMdcCode: 266016, unitMdcRefId: 'MDC_DIM_MMHG', ucum: 'mm[Hg]' } as const;

export const METRICS: Readonly<Record<MetricId, MetricDefinition>> = {
  HR: { id: 'HR', mdcCode: 147842, mdcRefId: 'MDC_ECG_HEART_RATE', ...BPM, displayName: 'Heart rate', possibleMin: 0, possibleMax: 350, resolution: 1 },
  PR: { id: 'PR', mdcCode: 149530, mdcRefId: 'MDC_PULS_OXIM_PULS_RATE', ...BPM, displayName: 'Pulse rate', possibleMin: 0, possibleMax: 350, resolution: 1 },
  SPO2: { id: 'SPO2', mdcCode: 150456, mdcRefId: 'MDC_PULS_OXIM_SAT_O2', ...PERCENT, displayName: 'SpO2', possibleMin: 0, possibleMax: 100, resolution: 1 },
  PI: { id: 'PI', mdcCode: 150448, mdcRefId: 'MDC_PULS_OXIM_PERF_REL', ...PERCENT, displayName: 'Perfusion index', possibleMin: 0, possibleMax: 20, resolution: 0.01 },
  RR: { id: 'RR', mdcCode: 151562, mdcRefId: 'MDC_RESP_RATE', unitMdcCode: 264928, unitMdcRefId: 'MDC_DIM_RESP_PER_MIN', ucum: '/min', displayName: 'Respiratory rate', possibleMin: 0, possibleMax: 150, resolution: 1 },
  NIBP_SYS: { id: 'NIBP_SYS', mdcCode: 150021, mdcRefId: 'MDC_PRESS_BLD_NONINV_SYS', ...MMHG, displayName: 'NIBP systolic', possibleMin: 0, possibleMax: 300, resolution: 1 },
  NIBP_DIA: { id: 'NIBP_DIA', mdcCode: 150022, mdcRefId: 'MDC_PRESS_BLD_NONINV_DIA', ...MMHG, displayName: 'NIBP diastolic', possibleMin: 0, possibleMax: 300, resolution: 1 },
  NIBP_MEAN: { id: 'NIBP_MEAN', mdcCode: 150023, mdcRefId: 'MDC_PRESS_BLD_NONINV_MEAN', ...MMHG, displayName: 'NIBP mean', possibleMin: 0, possibleMax: 300, resolution: 1 },
  ABP_SYS: { id: 'ABP_SYS', mdcCode: 150033, mdcRefId: 'MDC_PRESS_BLD_ART_SYS', ...MMHG, displayName: 'ABP systolic', possibleMin: 0, possibleMax: 300, resolution: 1 },
  ABP_DIA: { id: 'ABP_DIA', mdcCode: 150034, mdcRefId: 'MDC_PRESS_BLD_ART_DIA', ...MMHG, displayName: 'ABP diastolic', possibleMin: 0, possibleMax: 300, resolution: 1 },
  ABP_MEAN: { id: 'ABP_MEAN', mdcCode: 150035, mdcRefId: 'MDC_PRESS_BLD_ART_MEAN', ...MMHG, displayName: 'ABP mean', possibleMin: 0, possibleMax: 300, resolution: 1 },
  TEMP: { id: 'TEMP', mdcCode: 150364, mdcRefId: 'MDC_TEMP_BODY', unitMdcCode: 268192, unitMdcRefId: 'MDC_DIM_DEGC', ucum: 'Cel', displayName: 'Body temperature', possibleMin: 25, possibleMax: 45, resolution: 0.1 },
  // 151708 is 2::20636, MDC_CONC_AWAY_CO2_ET (ISO/IEEE 11073-10101:2004 B.3), the code
  // bedside monitors send for EtCO2 in mmHg in PCD-01 feeds. MDC_AWAY_CO2_ET is a different
  // term, 2::20656 = 151728; the HL7 parser accepts it as an alias.
  ETCO2: { id: 'ETCO2', mdcCode: 151708, mdcRefId: 'MDC_CONC_AWAY_CO2_ET', ...MMHG, displayName: 'EtCO2', possibleMin: 0, possibleMax: 150, resolution: 1 },
};
