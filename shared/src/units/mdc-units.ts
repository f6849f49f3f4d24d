/**
 * Units as monitors write them (HL7 OBX-6: an MDC dimension code, its reference id, UCUM,
 * or a common spelling) → the UCUM code Wardlink stores and converts with.
 *
 * MDC dimension codes are partition 4 (4 * 65536 + term code), from ISO/IEEE 11073-10101
 * Table A.6.3 as listed in donnchadh/biosig biosig4c++/units.csv, cross-checked with
 * mdpnp devices/philips/.../intellivue/data/Dimension.java (Philips NOM_DIM_*, the same
 * code space; cm, kg, Hz and mV as Mindray and Comen feeds send them, which follow the
 * standard's decimal-factor offsets: centi +17, milli +18, kilo +3). Beware 268224: a public parser test uses it for Fahrenheit, but it is
 * ampere-hour (4::6080); Fahrenheit is 266560 (4::4416).
 */

const DIM = 4 * 65536;

/** [MDC reference id, term code in partition 4, UCUM, other spellings monitors use]. */
const MDC_UNITS: ReadonlyArray<readonly [string, number, string, readonly string[]]> = [
  ['MDC_DIM_DIMLESS', 512, '1', []],
  ['MDC_DIM_PERCENT', 544, '%', []],
  ['MDC_DIM_CENTI_M', 1297, 'cm', []],
  ['MDC_DIM_KILO_G', 1731, 'kg', []],
  ['MDC_DIM_HZ', 2496, 'Hz', []],
  ['MDC_DIM_BEAT_PER_MIN', 2720, '/min', ['bpm', '{beats}/min', '{beat}/min', 'beats/min', '1/min', 'b/min']],
  ['MDC_DIM_PULS_PER_MIN', 2752, '/min', ['{pulses}/min', '{pulse}/min']],
  ['MDC_DIM_RESP_PER_MIN', 2784, '/min', ['rpm', 'brpm', 'br/min', '{breaths}/min', '{breath}/min', '{resp}/min', 'breaths/min']],
  ['MDC_DIM_X_PASCAL', 3840, 'Pa', []],
  ['MDC_DIM_HECTO_PASCAL', 3842, 'hPa', []],
  ['MDC_DIM_KILO_PASCAL', 3843, 'kPa', []],
  ['MDC_DIM_MMHG', 3872, 'mm[Hg]', ['mmHg', 'mm Hg', 'torr']],
  ['MDC_DIM_CM_H2O', 3904, 'cm[H2O]', ['cmH2O', 'cm H2O']],
  ['MDC_DIM_MILLI_VOLT', 4274, 'mV', []],
  ['MDC_DIM_KELVIN', 4384, 'K', []],
  ['MDC_DIM_FAHR', 4416, '[degF]', ['degF', '°F', 'F', 'deg F']],
  ['MDC_DIM_DEGC', 6048, 'Cel', ['degC', '°C', 'C', 'deg C', 'celsius']],
  ['MDC_DIM_VOL_PERCENT', 6240, '%', ['vol%', 'vol %', '%vol']],
];

const BY_TOKEN = new Map<string, string>();
for (const [refId, term, ucum, spellings] of MDC_UNITS) {
  BY_TOKEN.set(String(DIM + term), ucum);
  BY_TOKEN.set(refId.toLowerCase(), ucum);
  BY_TOKEN.set(ucum.toLowerCase(), ucum);
  for (const s of spellings) BY_TOKEN.set(s.toLowerCase(), ucum);
}

/** Philips MDIL writes an MDC unit code as "0004-0aa0" (partition-term in hex). */
const MDIL = /^0004-([0-9a-f]{4})$/i;

/**
 * The UCUM code for a unit token a monitor sent, when Wardlink knows the token (an MDC
 * dimension code or reference id, or a common spelling). Undefined otherwise: the caller
 * may then try the token as a UCUM expression of its own (`isUcum`).
 */
export function ucumOfToken(token: string): string | undefined {
  const t = token.trim();
  if (t === '') return undefined;
  const mdil = MDIL.exec(t);
  if (mdil) return BY_TOKEN.get(String(DIM + parseInt(mdil[1]!, 16)));
  return BY_TOKEN.get(t.toLowerCase());
}
