/**
 * ORU^R01 messages in the shapes bedside monitors and their gateways really send, from
 * public integration guides and the test fixtures of public code. Each entry says where
 * its shape comes from and how faithful it is:
 *  - VERBATIM: the source's message, character for character, but for the times (made
 *    current, in the source's own time format and zone, so the device clock is trusted)
 *    and, where said, an identifier;
 *  - VERBATIM FRAGMENTS: verbatim lines of one document, put together;
 *  - RECONSTRUCTED: built from a vendor's published code list and the PCD-01 rules, where
 *    no public message was found (Dräger, Edan).
 * The research notes behind it name every source (index ids of the code search, document
 * titles and part numbers). What each entry must give: every numeric value stored with
 * its metric (catalog id, or an uncatalogued MDC code with its unit), value, time and
 * patient, or refused with a counted code. `vendor-corpus.test.ts` sends each over TCP and
 * over a serial pseudo-terminal.
 */
import type { VendorCodeMap } from '@wardlink/shared';

export interface ExpectedReading {
  /** Catalog id, or an uncatalogued MDC code in decimal. */
  metric: string;
  value: number;
  /** An uncatalogued term's UCUM unit. */
  unit?: string;
  /** A metric's second channel in one record: kept as the device instance `<device>~<instance>`. */
  instance?: string;
  /** Milliseconds before the record time, for an observation with its own time (NIBP). */
  earlierMs?: number;
  flags?: number;
}

export interface CorpusEntry {
  name: string;
  provenance: string;
  /** How the gateway finds the device over TCP (OBX-18, PV1-3 bed, MSH-4 or MSH-3). */
  matchId: string;
  vendorMap?: VendorCodeMap;
  /** Device clock's zone for times without an offset. */
  utcOffsetMinutes?: number;
  /** The message, with its times at `t` (UTC ms, whole seconds). */
  message(t: number): string;
  /** The patient its readings carry (admissions.source device: PID-3), or null. */
  patient: string | null;
  stored: ExpectedReading[];
  /** Refusals counted for the device: [error code, observation code]. */
  refused: [string, string][];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An HL7 DTM of `ms` in a zone (minutes east of UTC); `zone` null writes no offset. */
export function dtm(ms: number, zoneMinutes: number | null, style: 'seconds' | 'frac4' | 'millis' | 'bare-millis' = 'seconds', localOffsetMinutes = 0): string {
  const shift = zoneMinutes ?? localOffsetMinutes;
  const d = new Date(ms + shift * 60_000);
  const base = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const frac = style === 'frac4' ? '.0000' : style === 'millis' ? `.${pad(d.getUTCMilliseconds(), 3)}` : style === 'bare-millis' ? pad(d.getUTCMilliseconds(), 3) : '';
  const zone = zoneMinutes === null ? '' : `${zoneMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(zoneMinutes) / 60))}${pad(Math.abs(zoneMinutes) % 60)}`;
  return base + frac + zone;
}

const UNKNOWN = 'WL_INGEST_UNKNOWN_METRIC';

export const VENDOR_CORPUS: readonly CorpusEntry[] = [
  {
    name: 'ihe-pcd01-reference',
    provenance: 'VERBATIM: the IHE PCD Technical Framework example as in openehealth IPF Pcd01ValidatorTest (and a HAPI validator test): NIBP with its device rows',
    matchId: '0123456789ABCDEF',
    message: (t) =>
      [
        `MSH|^~\\&|AcmeInc^ACDE48234567ABCD^EUI-64||||${dtm(t, 300)}||ORU^R01^ORU_R01|MSGID1234|P|2.6|||NE|AL|||||IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
        'PID|||789567^^^Imaginary Hospital^PI||Doe^John^Joseph^^^^L^A|||M',
        `OBR|1|AB12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|CD12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|528391^MDC_DEV_SPEC_PROFILE_BP^MDC|||${dtm(t, 300)}`,
        'OBX|1||528391^MDC_DEV_SPEC_PROFILE_BP^MDC|1|||||||R|||||||0123456789ABCDEF^EUI-64',
        `OBX|2||150020^MDC_PRESS_BLD_NONINV^MDC|1.0.1|||||||R|||${dtm(t, 300)}`,
        'OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R',
        'OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|266016^MDC_DIM_MMHG^MDC|||||R',
      ].join('\r'),
    patient: '789567',
    stored: [
      { metric: 'NIBP_SYS', value: 120 },
      { metric: 'NIBP_DIA', value: 80 },
    ],
    refused: [],
  },
  {
    name: 'mindray-egateway',
    provenance:
      "VERBATIM: a Mindray eGateway PCD-01 message (a hospital ICU app's DUMMY_ORU, read by the same fields as Mindray's own eGateway HL7Util): MDC codes and 99MNDRY private ones, OBX-18 only on OBX 1, no patient admitted (PID-3 empty)",
    matchId: '000F14049B507238',
    message: (t) => {
      const ts = dtm(t, 330, 'frac4');
      return [
        `MSH|^~\\&|MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64|MINDRAY|||${ts}||ORU^R01^ORU_R01|23545|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
        'PID|||^^^Hospital^PI|JOHN SMITH|||||unknownrace',
        'PV1||I|ICU^^5^XYZ HOSPITAL^^^^^00-0F-14-50-72-99',
        `OBR|1|23545^MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64|23545^MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64|182777000^monitoring of patient^SCT|||${ts}`,
        `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|98|262688^MDC_DIM_PERCENT^MDC|||||R|||${ts}||||000F14049B507238^BIG_DIPPER^000F14049B507238^EUI-64`,
        `OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|65|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|3|NM|150488^MDC_BLD_PERF_INDEX^MDC|1.3.1.150488|1.76|262688^MDC_DIM_PERCENT^MDC|||||R|||${ts}`,
        `OBX|4|NM|151658^MDC_PULS_OXIM_PLETH_RESP_RATE^MDC|1.3.1.151658|19|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|5|NM|151578^MDC_TTHOR_RESP_RATE^MDC|1.7.1.151578|17|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|6|NM|148066^MDC_ECG_V_P_C_RATE^MDC|1.7.2.148066|1|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|7|NM|108^MNDRY_ECG_PAUSE_RATE^99MNDRY|1.7.2.108|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|8|NM|352^MNDRY_ECG_VPB_RATE^99MNDRY|1.7.2.352|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|9|NM|579^MNDRY_ECG_RHY_V_P_C_CPLT_RATE^99MNDRY|1.7.2.579|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|10|NM|580^MNDRY_ECG_RHY_MISSB_RATE^99MNDRY|1.7.2.580|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|11|NM|581^MNDRY_ECG_BEAT_V_P_C_RonT_RATE^99MNDRY|1.7.2.581|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
        `OBX|12|NM|148216^MDC_ECG_SV_BEATS^MDC|1.7.2.148216|0|262656^MDC_DIM_DIMLESS^MDC|||||R|||${ts}`,
        `OBX|13|NM|147842^MDC_ECG_HEART_RATE^MDC|1.7.4.147842|66|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}`,
      ].join('\r');
    },
    patient: null,
    stored: [
      { metric: 'SPO2', value: 98 },
      { metric: 'PR', value: 65 },
      { metric: 'PI', value: 1.76 },
      // Two respiration rates in one record: thoracic impedance ranks above the pleth's, which keeps its code.
      { metric: '151658', value: 19, unit: '/min' },
      { metric: 'RR', value: 17 },
      { metric: '148066', value: 1, unit: '/min' },
      { metric: '148216', value: 0, unit: '1' },
      { metric: 'HR', value: 66 },
    ],
    refused: [
      [UNKNOWN, '108^99MNDRY'],
      [UNKNOWN, '352^99MNDRY'],
      [UNKNOWN, '579^99MNDRY'],
      [UNKNOWN, '580^99MNDRY'],
      [UNKNOWN, '581^99MNDRY'],
    ],
  },
  {
    name: 'mindray-pds-legacy',
    provenance:
      "VERBATIM: the Mindray Patient Data Share Protocol Programmer's Guide sample (HL7 2.3.1, bare ids with no coding system, no units, NIBP flagged APERIODIC with its own time), as copied in public socket demos; the ids mapped by the device's vendor map",
    matchId: 'Mindray',
    vendorMap: { '101': 'HR', '151': 'RR', '160': 'SPO2', '200': 'TEMP', '170': 'NIBP_SYS', '171': 'NIBP_DIA', '172': 'NIBP_MEAN', '500': 'ABP_SYS', '501': 'ABP_MEAN', '502': 'ABP_DIA' },
    message: (t) =>
      [
        'MSH|^~\\&|Mindray|Gateway|||||ORU^R01|2|P|2.3.1|',
        'PID|||M1015_00010||John^||20091112|M|||^^^^|||',
        `PV1||I|^^ICU&Bed5&3232241659&0&0|||||||||||||||A||||||||||||||||||||||||||${dtm(t, null)}`,
        `OBR||||Mindray Monitor|||${dtm(t, null)}|`,
        'OBX||NM|52^Height||169.0||||||F',
        'OBX||NM|51^Weight||59.0||||||F',
        'OBX||CE|2302^BloodType||1^A||||||F',
        'OBX||CE|2303^PACE_Switch||0^Off||||||F',
        'OBX||NM|101^HR|2101|60||||||F',
        'OBX||NM|151^RR|2102|20||||||F',
        'OBX||NM|200^T1|2104|37.00||||||F',
        'OBX||NM|201^T2|2104|37.20||||||F',
        'OBX||NM|202^Td|2104|0.20000||||||F',
        'OBX||NM|160^SpO2|2103|98||||||F',
        'OBX||NM|213^TB|2108|37.20||||||F',
        'OBX||NM|500^ART-Sys|2116|120||||||F',
        'OBX||NM|501^ART-Mean|2116|93||||||F',
        'OBX||NM|502^ART-Dia|2116|80||||||F',
        'OBX||NM|503^PA-Sys|2117|20||||||F',
        `OBX||NM|171^Dia|2105|80||||||F||APERIODIC|${dtm(t - 683_000, null)}`,
        `OBX||NM|172^Mean|2105|93||||||F||APERIODIC|${dtm(t - 683_000, null)}`,
        `OBX||NM|170^Sys|2105|120||||||F||APERIODIC|${dtm(t - 683_000, null)}`,
      ].join('\r'),
    patient: 'M1015_00010',
    stored: [
      { metric: 'HR', value: 60 },
      { metric: 'RR', value: 20 },
      { metric: 'TEMP', value: 37 },
      { metric: 'SPO2', value: 98 },
      { metric: 'ABP_SYS', value: 120 },
      { metric: 'ABP_MEAN', value: 93 },
      { metric: 'ABP_DIA', value: 80 },
      { metric: 'NIBP_DIA', value: 80, earlierMs: 683_000 },
      { metric: 'NIBP_MEAN', value: 93, earlierMs: 683_000 },
      { metric: 'NIBP_SYS', value: 120, earlierMs: 683_000 },
    ],
    // Not in the vendor map: counted until IT maps them (the Height/Weight/blood type rows,
    // the second and difference temperatures, the blood temperature and PA pressure).
    refused: [
      [UNKNOWN, '52'],
      [UNKNOWN, '51'],
      [UNKNOWN, '201'],
      [UNKNOWN, '202'],
      [UNKNOWN, '213'],
      [UNKNOWN, '503'],
    ],
  },
  {
    name: 'ge-carescape-b40',
    provenance:
      'VERBATIM FRAGMENTS: GE B40/B105/B125 HL7 Reference Manual 2062665-001 rev G, Example 1 and the PCD-01 pages: full device hierarchy, OBR-7 the only time and without a zone, two RR and two TEMP channels',
    matchId: '080019FFFE0B4020',
    message: (t) => {
      const gx = '080019FFFE0B4020^B40_GE';
      return [
        `MSH|^~\\&|VSP^080019FFFE134535^EUI-64|GE Healthcare|||${dtm(t, null)}||ORU^R01^ORU_R01|004097134535|P|2.6|||NE|AL||UNICODE UTF-8|||PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
        'PID|||HED12^^^PID^MR||LAZY^KITTY^^^^^L|||',
        'PV1||R|SURGERY^^V2',
        `OBR|1|080019FFFE13453520130122134100^VSP^080019FFFE134535^EUI-64|080019FFFE13453520130122134100^VSP^080019FFFE134535^EUI-64|182777000^monitoring of patient^SCT|||${dtm(t, null)}`,
        'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X',
        'OBX|2||69854^MDC_DEV_METER_PRESS_BLD_VMD^MDC|1.13.0.0|||||||X',
        'OBX|3||69855^MDC_DEV_METER_PRESS_BLD_CHAN^MDC|1.13.1.0|||||||X',
        `OBX|4|NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.13.1.1|112|266016^MDC_DIM_MMHG^MDC|||||R|||||||${gx}`,
        `OBX|5|NM|150034^MDC_PRESS_BLD_ART_DIA^MDC|1.13.1.2|76|266016^MDC_DIM_MMHG^MDC|||||R|||||||${gx}`,
        `OBX|6|NM|150035^MDC_PRESS_BLD_ART_MEAN^MDC|1.13.1.3|95|266016^MDC_DIM_MMHG^MDC|||||R|||||||${gx}`,
        `OBX|7|NM|149522^MDC_BLD_PULS_RATE_INV^MDC|1.13.1.4|80|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||||||${gx}`,
        'OBX|8||69855^MDC_DEV_METER_PRESS_BLD_CHAN^MDC|1.13.2.0|||||||X',
        `OBX|11|NM|147842^MDC_ECG_HEART_RATE^MDC|1.5.1.1|80|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||||||${gx}`,
        `OBX|12|NM|148066^MDC_ECG_V_P_C_RATE^MDC|1.5.1.2|0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||||||${gx}`,
        `OBX|43|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.22.1.2|100|262688^MDC_DIM_PERCENT^MDC|||||R|||||||${gx}`,
        'OBX|44||69682^MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD^MDC|1.20.0.0|||||||X',
        `OBX|45|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||||||${gx}`,
        'OBX|46||70666^MDC_DEV_ECG_RESP_VMD^MDC|1.6.0.0|||||||X',
        `OBX|47|NM|151562^MDC_RESP_RATE^MDC|1.6.1.1|30|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||||||${gx}`,
        'OBX|48||69902^MDC_DEV_METER_TEMP_VMD^MDC|1.26.0.0|||||||X',
        `OBX|49|NM|150344^MDC_TEMP^MDC|1.26.1.1|37.1|268192^MDC_DIM_DEGC^MDC|||||R|||||||${gx}`,
        `OBX|50|NM|150344^MDC_TEMP^MDC|1.26.1.2|36.5|268192^MDC_DIM_DEGC^MDC|||||R|||||||${gx}`,
      ].join('\r');
    },
    patient: 'HED12',
    stored: [
      { metric: 'ABP_SYS', value: 112 },
      { metric: 'ABP_DIA', value: 76 },
      { metric: 'ABP_MEAN', value: 95 },
      { metric: 'PR', value: 80 },
      { metric: 'HR', value: 80 },
      { metric: '148066', value: 0, unit: '/min' },
      { metric: 'SPO2', value: 100 },
      // Airway and ECG-lead respiration rates, both MDC_RESP_RATE: two channels of one device.
      { metric: 'RR', value: 18 },
      { metric: 'RR', value: 30, instance: '1.6.1.1' },
      // Two temperature probes, both MDC_TEMP.
      { metric: 'TEMP', value: 37.1 },
      { metric: 'TEMP', value: 36.5, instance: '1.26.1.2' },
    ],
    refused: [],
  },
  {
    name: 'philips-intellivue-ic',
    provenance:
      'VERBATIM: the IntelliVue Information Center HL7 Parameter Data Interface sample (a HAPI receiver, "Sample from Philips Center Doc"): MDIL codes and units, empty MSH-3..7, the bed only in PV1-3 (^^Doc1&5&1)',
    matchId: 'Doc1',
    message: (t) =>
      [
        'MSH|^~\\&|||||||ORU^R01|HP104220879017992|P|2.2||||||8859/1',
        'PID|||MRN5733||Smith^John||19550508|M',
        'PV1||I|^^Doc1&5&1',
        `OBR|||||||${dtm(t, null)}`,
        'OBX||NM|0002-4bb8^SpO2^MDIL|0|95|0004-0220^%^MDIL|||||F',
        'OBX||NM|0002-5000^Resp^MDIL|0|15|0004-0ae0^rpm^MDIL|||||F',
        'OBX||NM|0002-4182^HR^MDIL|0|60|0004-0aa0^bpm^MDIL|||||F',
        'OBX||NM|0002-4a15^ABPs^MDIL|0|120|0004-0f20^mmHg^MDIL|||||F',
        'OBX||NM|0002-4a16^ABPd^MDIL|0|70|0004-0f20^mmHg^MDIL|||||F',
        'OBX||NM|0002-4a17^ABPm^MDIL|0|91|0004-0f20^mmHg^MDIL|||||F',
      ].join('\r'),
    patient: 'MRN5733',
    stored: [
      { metric: 'SPO2', value: 95 },
      // MDIL 0x5000 (2::20480) is no term of the RR family Wardlink reads: kept under its code.
      { metric: '151552', value: 15, unit: '/min' },
      { metric: 'HR', value: 60 },
      { metric: 'ABP_SYS', value: 120 },
      { metric: 'ABP_DIA', value: 70 },
      { metric: 'ABP_MEAN', value: 91 },
    ],
    refused: [],
  },
  {
    name: 'philips-intellivue-ic-2',
    provenance:
      'VERBATIM: the HL7StructureHelper test of a Philips IIC feed: repeated PID-3, the time in OBR-14, a value with an HL7 escape (2.73x10\\S\\-7), private MDIL codes (0002-f125)',
    matchId: '8-3604',
    message: (t) =>
      [
        'MSH|^~\\&|||||||ORU^R01|HP128978937126197|P|2.3||||||8859/1',
        'PID|||E12345^^^^EPI~858585^^^^SMHMRN~222444^^^^HHHMRN||Smith^John||""|U',
        'PV1||I|8-3600^^8-3604&4&1',
        `OBR||||||||||||||${dtm(t, null)}`,
        'OBX||NM|0002-4bb8^SpO2^MDIL|0|98|0004-0220^%^MDIL|||||F',
        'OBX||NM|0002-5000^SML^MDIL|0|2.73x10\\S\\-7|0004-0ae0^rpm^MDIL|||||F',
        'OBX||NM|0002-f125^pNN50^MDIL|0|0.00|0004-0220^%^MDIL|||||F',
        'OBX||NM|0002-4182^HR^MDIL|0|87|0004-0aa0^bpm^MDIL|||||F',
        'OBX||NM|0002-4822^Pulse^MDIL|0|87|0004-0aa0^bpm^MDIL|||||F',
      ].join('\r'),
    patient: 'E12345',
    stored: [
      { metric: 'SPO2', value: 98 },
      // A Philips private term (0xf125 in partition 2): any valid code is kept.
      { metric: '192805', value: 0, unit: '%' },
      { metric: 'HR', value: 87 },
      // MDIL 0x4822 is MDC_PLETH_PULS_RATE: the pulse rate.
      { metric: 'PR', value: 87 },
    ],
    refused: [['WL_INGEST_NOT_NUMERIC', '0002-5000']],
  },
  {
    name: 'philips-pic-ix',
    provenance:
      "VERBATIM: the HL7 Point-of-Care Device IG's v2-mapping sample (Philips-derived: iX ConfigHost, IntelliVue MX500): stray spaces in fields, set-ids running across segments, OBX-7 alarm limits, an ST rhythm row, MSH-11 D",
    matchId: 'SendingApplication',
    message: (t) =>
      [
        `MSH|^~\\&| SendingApplication|SendingFacility|ReceivingApplication|ReceivingFacility |${dtm(t, -240, 'millis')}||ORU^R01^ORU_R01|HP0425230332.872USDANRMMD1NBR488|D|2.6|||AL|NE||8859/1|EN^English^ISO639||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
        'PID|1||12345^^^Philips^MR~6789^^^Philips^VN ||LastName^FirstName^""^^^^L||19710108|U',
        'PV1|2|I|My Unit^^Bed1^Institution||||||||||||||||23456',
        `OBR|3||0009fbFFFF9b42b3^^^EUI-64|69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||${dtm(t, -240, 'millis')}`,
        'OBX|4||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||7f2586c7-0506-46cd-a612-d8e75b838faa-IntelliVue MX500 - 866064',
        'OBX|5||70666^MDC_DEV_ECG_RESP_VMD^MDC|1.2.0.0|||||||X|||||||XW25200213',
        'OBX|6||70739^MDC_DEV_CARD_RATE_CHAN^MDC|1.2.1.0|||||||X',
        'OBX|7|NM|147842^MDC_ECG_CARD_BEAT_RATE^MDC|1.2.1.1|60|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||F',
        'OBX|8|ST|184327^MDC_ECG_STAT_RHY^MDC|1.2.4.20|MDC_ECG_PACED_RHY||||||F',
      ].join('\r'),
    patient: '12345',
    stored: [{ metric: 'HR', value: 60 }],
    refused: [],
  },
  {
    name: 'philips-efficia-cm',
    provenance:
      "VERBATIM (body): Philips Efficia CM Series Data Export Guide, ORF message syntax pp.3-10..3-18, as the LAN mode's unsolicited ORU^R01 carries it (MSH-9 set to ORU^R01): MSH-3 ^EfficiaCM, ORC before OBR, NBP with its own time, T1 in 0004-1710 'C', the guide's invalid rows (empty value, OBX-11 X)",
    matchId: 'LOCATION34',
    message: (t) =>
      [
        `MSH|^~\\&|^EfficiaCM||||${dtm(t, null)}||ORU^R01^ORU_R01|MONITORABC000000002D|P|2.4|||||||||2.16.840.1.113883.9.2.1`,
        'PID|||MRN1234||JONES^MARY^A',
        'PV1|||^^LOCATION34|||||||||||||||A|TRANSACTION1234',
        'ORC|NW|||||||||||||||||MONITORABC',
        `OBR||||MONITOR|||${dtm(t, null)}|||OPERATOR12`,
        'OBX||NM|0002-4bb8^SpO2^MDIL||98|0004-0220^%^MDIL|||||F',
        `OBX||NM|0002-4a05^NBPs^MDIL||122|0004-0f20^mmHg^MDIL|||||F|||${dtm(t - 30_000, null)}`,
        `OBX||NM|0002-4a06^NBPd^MDIL||85|0004-0f20^mmHg^MDIL|||||F|||${dtm(t - 30_000, null)}`,
        'OBX||NM|0002-4a07^NBPm^MDIL||98|0004-0f20^mmHg^MDIL|||||F',
        'OBX||NM|0002-480a^Pulse^MDIL||80|0004-0aa0^bpm^MDIL|||||F||||||0002-4bb8^SpO2^MDIL',
        'OBX||NM|0002-5000^Resp^MDIL||20|0004-0ae0^rpm^MDIL|||||F',
        'OBX||NM|0002-f0c7^T1^MDIL||37.4|0004-1710^C^MDIL|||||F',
        'OBX||NM|0002-4182^HR^MDIL|||0004-0aa0^bpm^MDIL|||||X',
      ].join('\r'),
    patient: 'MRN1234',
    stored: [
      { metric: 'SPO2', value: 98 },
      { metric: 'NIBP_SYS', value: 122, earlierMs: 30_000 },
      { metric: 'NIBP_DIA', value: 85, earlierMs: 30_000 },
      { metric: 'NIBP_MEAN', value: 98 },
      // MDIL 0x480a is MDC_PULS_RATE: the pulse rate.
      { metric: 'PR', value: 80 },
      { metric: '151552', value: 20, unit: '/min' },
      // Philips' private T1 term: kept under its code, in Cel (0004-1710 is no code Wardlink knows; its text "C" is).
      { metric: '192711', value: 37.4, unit: 'Cel' },
    ],
    refused: [],
  },
  {
    name: 'nihon-kohden-cns6201',
    provenance:
      'VERBATIM: the Nihon Kohden central (CNS-6201) sample quoted by three public integrations: six-digit codes with no coding system, plain-text units, one OBR per group with its own time, local times with no zone; the codes mapped by the vendor map',
    matchId: 'BED-001',
    utcOffsetMinutes: 420,
    vendorMap: { '007000': 'SPO2', '007001': 'PR', '009000': 'NIBP_SYS', '009001': 'NIBP_DIA', '009002': 'NIBP_MEAN' },
    message: (t) => {
      const vital = dtm(t, null, 'seconds', 420);
      const nibp = dtm(t - 23_000, null, 'seconds', 420);
      return [
        `MSH|^~\\&|NIHON KOHDEN|NIHON KOHDEN|CLIENT APP|CLIENT FACILITY|${vital}||ORU^R01^ORU_R01|20260422000007|P|2.4|||NE|AL||ASCII||ASCII`,
        'PID|||26031200119||MAI^NGOC^^^^^L^A||19910427|M',
        'PV1||I|^^BED-001^10.0.100.98:1',
        'ORC|RE',
        `OBR|1|||VITAL|||${vital}||||||||||||||||||A`,
        `OBX|1|NM|007001^VITAL PR(spo2)|1|77|/min|||||F|||${vital}|||`,
        `OBX|2|NM|007000^VITAL SpO2|1|99|%|||||F|||${vital}|||`,
        `OBX|3|NM|072007^VITAL rPR(spo2)|1|77|/min|||||F|||${vital}|||`,
        `OBR|2|||NIBP|||${nibp}||||||||||||||||||A`,
        `OBX|1|NM|009000^NIBP SYS|1|133|mmHg|||||F|||${nibp}|||`,
        `OBX|2|NM|009001^NIBP DIAS|1|77|mmHg|||||F|||${nibp}|||`,
        `OBX|3|NM|009002^NIBP MEAN|1|95|mmHg|||||F|||${nibp}|||`,
      ].join('\r');
    },
    patient: '26031200119',
    stored: [
      { metric: 'PR', value: 77 },
      { metric: 'SPO2', value: 99 },
      { metric: 'NIBP_SYS', value: 133, earlierMs: 23_000 },
      { metric: 'NIBP_DIA', value: 77, earlierMs: 23_000 },
      { metric: 'NIBP_MEAN', value: 95, earlierMs: 23_000 },
    ],
    refused: [[UNKNOWN, '072007']],
  },
  {
    name: 'comen-nc5-continuous',
    provenance:
      "VERBATIM: a Comen monitor's continuous parameters (a public PHP test sender): empty MSH-3 replaced by NC_Monitor as sent, the serial in MSH-4, two SpO2 channels (1.3.1, 1.3.2), 149522 named MDC_PULS_RATE, a CNE body-position row, empty height and weight",
    matchId: 'KC261551373G',
    message: (t) => {
      const ts = dtm(t, 480);
      return [
        `MSH|^~\\&|NC_Monitor|KC261551373G|||${ts}||ORU^R01^ORU_R01|202506100151270003|P|2.6||||||UNICODE UTF-8`,
        'PID|||10006||lee|||M||Unknown',
        'PV1||I|^^&10|R',
        `OBR||||1^MON_PARAM^99COMEN|||${ts}`,
        `OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F|||${ts}`,
        `OBX||NM|160324^MDC_SPO2_SIGNAL_QUALITY_INDEX^MDC|1.3.1.160324|3.56|262688^MDC_DIM_PERCENT^MDC|||||F|||${ts}`,
        `OBX||NM|149522^MDC_PULS_RATE^MDC|1.0.0.149522|59|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||${ts}`,
        `OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.2.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F|||${ts}`,
        `OBX||NM|150468^MDC_PULS_OXIM_SAT_O2_DIFF^MDC|1.3.2.150468|0|262688^MDC_DIM_PERCENT^MDC|||||F|||${ts}`,
        `OBX||NM|151562^MDC_RESP_RATE^MDC|1.14.1.151562|20|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F|||${ts}`,
        `OBX||NM|150344^MDC_TEMP^MDC|1.2.1.150344|37.0|268192^MDC_DIM_DEGC^MDC|||||F|||${ts}`,
        `OBX||NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC|||||F|||${ts}`,
        `OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^MDC_DIM_MMHG^MDC|||||F|||${ts}`,
        `OBX||NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|90|266016^MDC_DIM_MMHG^MDC|||||F|||${ts}`,
        `OBX||CNE|2453^COMEN_POS_BODY^99COMEN|1.1.9.2453|2821^COMEN_POS_SITTING^99COMEN||||||F|||${ts}`,
        `OBX||NM|188740^MDC_LEN_BODY_ACTUAL^MDC|1.10.1.188740||263441^MDC_DIM_CENTI_M^MDC|||||F|||${ts}`,
        `OBX||NM|188736^MDC_MASS_BODY_ACTUAL^MDC|1.10.1.188736||263875^MDC_DIM_KILO_G^MDC|||||F|||${ts}`,
      ].join('\r');
    },
    patient: '10006',
    stored: [
      { metric: 'SPO2', value: 97 },
      { metric: '160324', value: 3.56, unit: '%' },
      { metric: 'PR', value: 59 },
      { metric: 'SPO2', value: 97, instance: '1.3.2.150456' },
      { metric: '150468', value: 0, unit: '%' },
      { metric: 'RR', value: 20 },
      { metric: 'TEMP', value: 37 },
      { metric: 'NIBP_SYS', value: 120 },
      { metric: 'NIBP_DIA', value: 80 },
      { metric: 'NIBP_MEAN', value: 90 },
    ],
    refused: [],
  },
  {
    name: 'comen-nc5-spot',
    provenance:
      'VERBATIM: a spot check "captured verbatim from the NC5" (a public gateway\'s test_parse.py): empty MSH-3, MDC_PRESS_CUFF terms, 99COMEN rows typed NM with text values, height and weight 0 (not entered), OBX-7 limits with ^',
    matchId: 'KC575235977G',
    // OBR-7 comes without a zone in the monitor's local time (UTC+8); OBX-14 carries +0800.
    utcOffsetMinutes: 480,
    message: (t) => {
      const ts = dtm(t, 480);
      return [
        `MSH|^~\\&||KC575235977G|||${dtm(t, 480, 'frac4')}||ORU^R01|20260726231332.11090007|P|2.6`,
        'PID|||MRN12123||Tan Chee Keong^|||M||||||||||MRN12123',
        'PV1||I|^^&24|0|||99999',
        `OBR||||2^MON_SPOT_DATA^99COMEN|||${dtm(t, null, 'seconds', 480)}`,
        `OBX||NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|120|266016^MDC_DIM_MMHG^MDC|90^160||||F|||${ts}`,
        `OBX||NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.1.9.150303|90|266016^MDC_DIM_MMHG^MDC|60^110||||F|||${ts}`,
        `OBX||NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.9.150302|80|266016^MDC_DIM_MMHG^MDC|50^90||||F|||${ts}`,
        `OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|98|262688^MDC_DIM_PERCENT^MDC|85^100||||F|||${ts}`,
        `OBX||NM|149522^MDC_PULS_RATE^MDC|1.0.0.149522|60|264864^MDC_DIM_BEAT_PER_MIN^MDC|50^120||||F|||${ts}`,
        `OBX||NM|150344^MDC_TEMP^MDC|1.2.1.150344|39.00|268192^MDC_DIM_DEGC^MDC|36.0^39.0||||F|||${ts}`,
        `OBX||NM|2279^COMEN_PAIN_LEVEL^99COMEN||Other||||||F|||${ts}`,
        `OBX||NM|2267^COMEN_ACVPU^99COMEN||Alert||||||F|||${ts}`,
        `OBX||NM|2269^COMEN_TEMP_POS^99COMEN||Ear||||||F|||${ts}`,
        `OBX||NM|2270^COMEN_NIBP_POS^99COMEN||Other||||||F|||${ts}`,
        `OBX||NM|2271^COMEN_O2_SRC^99COMEN||Other||||||F|||${ts}`,
        `OBX||ST|2275^COMEN_HANDLER^99COMEN||||||||F|||${ts}`,
        'OBX||NM|188740^MDC_LEN_BODY_ACTUAL^MDC|1.10.1.188740|0|263441^MDC_DIM_CENTI_M^MDC|||||F',
        'OBX||NM|188736^MDC_MASS_BODY_ACTUAL^MDC|1.10.1.188736|0|263875^MDC_DIM_KILO_G^MDC|||||F',
      ].join('\r');
    },
    patient: 'MRN12123',
    stored: [
      { metric: 'NIBP_SYS', value: 120 },
      { metric: 'NIBP_MEAN', value: 90 },
      { metric: 'NIBP_DIA', value: 80 },
      { metric: 'SPO2', value: 98 },
      { metric: 'PR', value: 60 },
      { metric: 'TEMP', value: 39 },
      // "0" means "not entered" on this monitor; it is what the monitor sent, and it is kept.
      { metric: '188740', value: 0, unit: 'cm' },
      { metric: '188736', value: 0, unit: 'kg' },
    ],
    refused: [
      [UNKNOWN, '2279^99COMEN'],
      [UNKNOWN, '2267^99COMEN'],
      [UNKNOWN, '2269^99COMEN'],
      [UNKNOWN, '2270^99COMEN'],
      [UNKNOWN, '2271^99COMEN'],
    ],
  },
  {
    name: 'oem-northern',
    provenance:
      "VERBATIM: an unidentified OEM monitor's message quoted in a public client: -100 as the no-value marker, a repeated set-id, and a code (150031, aortic mean) that disagrees with its name (MDC_PRESS_CUFF_SYS); the code is what is kept",
    matchId: 'northern',
    message: (t) =>
      [
        `MSH|^~\\&|northern|patient monitor^|||${dtm(t, null)}||ORU^R01^ORU_R01|1362|P|2.6|`,
        'PID|||0001||expert^vs||00000000|M|',
        'PV1||I|^^',
        `OBR|1||||||${dtm(t, null)}|`,
        'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|-100|262688^MDC_DIM_PERCENT^MDC|||||F||||',
        'OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|-100|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F||||',
        'OBX|3|NM|150344^MDC_TEMP^MDC|1.2.1.150344|38.5|268192^MDC_DIM_DEGC^MDC|||||F||||',
        `OBX|3|NM|150031^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|142|266016^MDC_DIM_MMHG^MDC|||||F||APERIODIC|${dtm(t - 60_000, null)}|`,
      ].join('\r'),
    patient: '0001',
    stored: [
      { metric: 'SPO2', value: -100, flags: 1 },
      { metric: 'PR', value: -100, flags: 1 },
      { metric: 'TEMP', value: 38.5 },
      { metric: '150031', value: 142, unit: 'mm[Hg]', earlierMs: 60_000 },
    ],
    refused: [],
  },
  {
    name: 'draeger-infinity',
    provenance:
      'RECONSTRUCTED: no public Dräger Infinity Gateway message was found; this is the IHE PCD-01 shape of its Protocol Handbook\'s mode, with EtCO2 in kPa as European sites set it',
    matchId: '0030E60000C0FFEE',
    message: (t) => {
      const ts = dtm(t, 60);
      return [
        `MSH|^~\\&|InfinityGateway^0030E60000000001^EUI-64|ICU|||${ts}||ORU^R01^ORU_R01|D7700|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
        'PID|||4711^^^KLINIKUM^MR||Mustermann^Max^^^^^L',
        'PV1||I|ITS^3^B',
        `OBR|1|1^InfinityGateway^0030E60000000001^EUI-64|1^InfinityGateway^0030E60000000001^EUI-64|182777000^monitoring of patient^SCT|||${ts}`,
        'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0030E60000C0FFEE^EUI-64',
        `OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||R|||${ts}`,
        `OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|90-100||||R|||${ts}`,
        `OBX|4|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC|1.3.1.1|5.3|265987^MDC_DIM_KILO_PASCAL^MDC|||||R|||${ts}`,
      ].join('\r');
    },
    patient: '4711',
    stored: [
      { metric: 'HR', value: 72 },
      { metric: 'SPO2', value: 97 },
      // 5.3 kPa in mm[Hg] (UCUM), at EtCO2's resolution of 1.
      { metric: 'ETCO2', value: 40 },
    ],
    refused: [],
  },
  {
    name: 'edan-ehc',
    provenance:
      "RECONSTRUCTED: no public Edan monitor message was found; its private EHC codes (module << 16 | parameter) are verbatim from a public integration's match table, mapped by the vendor map; °C as a unit",
    matchId: 'EdanCMS',
    vendorMap: { '131072': 'HR', '327680': 'SPO2', '393216': 'NIBP_SYS', '393217': 'NIBP_DIA', '458752': 'TEMP' },
    message: (t) =>
      [
        `MSH|^~\\&|EdanCMS|ICU|||${dtm(t, null)}||ORU^R01|123|P|2.3.1`,
        'PID|||E-2001||Li^Wei',
        'PV1||I|^^12',
        `OBR||||MONITOR|||${dtm(t, null)}`,
        'OBX||NM|131072^ECG_HR^EHC||72|bpm|||||F',
        'OBX||NM|327680^SPO2_SPO2^EHC||98|%|||||F',
        'OBX||NM|393216^NIBP_SYS^EHC||120|mmHg|||||F',
        'OBX||NM|393217^NIBP_DIA^EHC||80|mmHg|||||F',
        'OBX||NM|393219^NIBP_PR^EHC||71|bpm|||||F',
        'OBX||NM|458752^TEMP_T1^EHC||36.8|°C|||||F',
      ].join('\r'),
    patient: 'E-2001',
    stored: [
      { metric: 'HR', value: 72 },
      { metric: 'SPO2', value: 98 },
      { metric: 'NIBP_SYS', value: 120 },
      { metric: 'NIBP_DIA', value: 80 },
      { metric: 'TEMP', value: 36.8 },
    ],
    // The NIBP pulse rate is not in this vendor map: a private code, counted until mapped.
    refused: [[UNKNOWN, '393219^EHC']],
  },
];
