/**
 * Hand-written IHE PCD-01 ORU^R01 messages, after the examples of the IHE PCD Technical
 * Framework Vol. 2 and vendor interface guides: an MDS/VMD/channel hierarchy of OBX rows
 * without values, MDC codes in OBX-3 and OBX-6, the equipment EUI-64 in OBX-18.
 * Segments are joined here so each test can choose \r, \n or \r\n.
 */

/** A multi-parameter monitor, everything well-formed, record time with offset +01:00. */
export const PHILIPS_STYLE = [
  'MSH|^~\\&|AcmeMon^0080191234567890^EUI-64|AcmeInc|WARDLINK|WARD3|20261129083015.250+0100||ORU^R01^ORU_R01|MSG00001|P|2.6|||NE|AL||8859/1|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||HOSP123456^^^Hospital^MR~ALT99^^^Other^PI||Doe^Jane^^^^^L',
  'PV1||I|ICU^101^3',
  'OBR|1|||182777000^monitoring of patient^SNOMED-CT|||20261129083015.250+0100',
  'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0080191234567890^EUI-64',
  'OBX|2||70675^MDC_DEV_ANALY_SAT_O2_VMD^MDC|1.1.0.0|||||||X',
  'OBX|3||70677^MDC_DEV_ANALY_SAT_O2_CHAN^MDC|1.1.1.0|||||||X',
  'OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97|262688^MDC_DIM_PERCENT^MDC|90-100||||R',
  'OBX|5|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1.1.2|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
  'OBX|6|NM|150448^MDC_PULS_OXIM_PERF_REL^MDC|1.1.1.3|3.14|262688^MDC_DIM_PERCENT^MDC|||||R',
  'OBX|7|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.1|73|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
  'OBX|8|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|16|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R',
  'OBX|9|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.1|36.7|268192^MDC_DIM_DEGC^MDC|||||R',
  'OBX|10|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC|1.5.1.1|38|266016^MDC_DIM_MMHG^MDC|||||R',
];
/** 2026-11-29 08:30:15.250 at +01:00. */
export const PHILIPS_STYLE_TIME_MS = Date.UTC(2026, 10, 29, 7, 30, 15, 250);

/**
 * What real monitors get wrong or do their own way: empty OBX-1, a second OBR group for
 * NIBP with its own OBR-7, OBX-14 with fractional seconds and a negative offset, a
 * vendor-private code, an unknown private code, an invalid marker, demo mode in OBX-8,
 * a sensor-off word, and a metric sent by name only.
 */
export const QUIRKY_MONITOR = [
  'MSH|^~\\&|VendorGW|ACME|||20261129083000||ORU^R01|Q-77|P|2.6',
  'PID|||MRN-42',
  'PV1||I|WARD3^^B12',
  'OBR|1|||182777000^monitoring of patient^SNOMED-CT|||20261129083000',
  'OBX||NM|196674^ACME_SAT^99ACME||96|262688^MDC_DIM_PERCENT^MDC|||||R',
  'OBX||NM|196999^ACME_SECRET_INDEX^99ACME||12|262656^MDC_DIM_DIMLESS^MDC|||||R',
  'OBX||NM|147842^MDC_ECG_HEART_RATE^MDC||-999|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
  'OBX||NM|151562^MDC_RESP_RATE^MDC||18|264928^MDC_DIM_RESP_PER_MIN^MDC||DEMO|||R|||20261129083001.5-0500',
  'OBX||NM|^MDC_PULS_OXIM_PULS_RATE||71|^bpm||SENSOR_OFF|||R',
  'OBR|2|||NIBP^non-invasive blood pressure^L|||20261129082500',
  'OBX||NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||121|266016^MDC_DIM_MMHG^MDC|||||R',
  'OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||79|266016^MDC_DIM_MMHG^MDC|||||R',
  'OBX||NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC||93|266016^MDC_DIM_MMHG^MDC|||||R|||20261129082459.1234',
];

/** Units a device may be set to: degF, kPa, Philips MDIL hex codes, UCUM text, a wrong unit. */
export const UNIT_VARIANTS = [
  'MSH|^~\\&|Mon||||20261129083000||ORU^R01|U-1|P|2.6',
  'OBR|1|||X|||20261129083000',
  'OBX|1|NM|150364^MDC_TEMP_BODY^MDC||98.6|266560^MDC_DIM_FAHR^MDC|||||R',
  'OBX|2|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC||5.3|265987^MDC_DIM_KILO_PASCAL^MDC|||||R',
  'OBX|3|NM|0002-4bb8^SpO2^MDIL||98|0004-0220^%^MDIL|||||F',
  'OBX|4|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||120|^mm[Hg]^UCUM|||||R',
  'OBX|5|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||95|266016^MDC_DIM_MMHG^MDC|||||R',
  'OBX|6|NM|151728^MDC_AWAY_CO2_ET^MDC||35|266016^MDC_DIM_MMHG^MDC|||||R',
];

/** Non-default separators: field '#', component '$', repetition '*', escape '!', subcomponent '@'. */
export const CUSTOM_SEPARATORS = [
  'MSH#$*!@#Mon#Fac#GW#Ward#20261129083000##ORU$R01#C!F!1#P#2.6',
  'PID###ID!S!7$$$Hosp',
  'OBX#1#NM#150456$MDC_PULS_OXIM_SAT_O2$MDC##99#262688$MDC_DIM_PERCENT$MDC#####R',
];

export function join(segments: readonly string[], separator = '\r'): string {
  return segments.join(separator) + separator;
}
