import { QualityFlag, type IngestErrorCode } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import type { FormatContext } from '../format.js';
import { CUSTOM_SEPARATORS, join, PHILIPS_STYLE, PHILIPS_STYLE_TIME_MS, QUIRKY_MONITOR, UNIT_VARIANTS } from '../testing/pcd01-samples.js';
import { parseOruR01 } from './oru.js';

const ctx: FormatContext = {};

function expectThrowsCode(fn: () => unknown, code: IngestErrorCode): void {
  expect(fn).toThrow(expect.objectContaining({ code }));
}

describe('parseOruR01 on a well-formed PCD-01 message', () => {
  const record = parseOruR01(join(PHILIPS_STYLE), ctx);

  it('reads every numeric with its catalog metric, value and the shared record time', () => {
    expect(record.observations.map((o) => [o.metric, o.value, o.flags])).toEqual([
      ['SPO2', 97, 0],
      ['PR', 72, 0],
      ['PI', 3.14, 0],
      ['HR', 73, 0],
      ['RR', 16, 0],
      ['TEMP', 36.7, 0],
      ['ETCO2', 38, 0],
    ]);
    expect(new Set(record.observations.map((o) => o.deviceTimeMs))).toEqual(new Set([PHILIPS_STYLE_TIME_MS]));
    expect(record.deviceTimeMs).toBe(PHILIPS_STYLE_TIME_MS);
    expect(record.observations[0]).toMatchObject({ rawCode: '150456', term: 150456, rank: 0 });
  });

  it('skips the MDS/VMD/channel hierarchy rows without counting them unknown', () => {
    expect(record.unknownCodes).toEqual([]);
    expect(record.rejects).toEqual([]);
  });

  it('takes patient (PID-3, first repetition), bed (PV1-3.3), equipment (OBX-18) and control id', () => {
    expect(record).toMatchObject({ patientId: 'HOSP123456', bedLabel: '3', equipmentId: '0080191234567890', controlId: 'MSG00001' });
    expect(record.msh).toMatchObject({ messageType: 'ORU^R01', controlId: 'MSG00001', version: '2.6', sendingFacility: 'AcmeInc' });
  });

  it('parses the same message with \\n and \\r\\n segment separators', () => {
    for (const sep of ['\n', '\r\n']) {
      const again = parseOruR01(join(PHILIPS_STYLE, sep), ctx);
      expect(again.observations).toEqual(record.observations);
    }
  });
});

describe('parseOruR01 on what real monitors do', () => {
  const vendorMap = { '196674': 'SPO2' };
  const record = parseOruR01(join(QUIRKY_MONITOR, '\n'), { vendorMap, utcOffsetMinutes: 60 });
  const byMetric = new Map(record.observations.map((o) => [o.metric, o]));

  it('maps a vendor-private code through the device map and counts an unknown one', () => {
    expect(byMetric.get('SPO2')).toMatchObject({ value: 96, rawCode: '196674', flags: 0 });
    expect(record.unknownCodes).toEqual(['196999^99ACME']);
  });

  it('stores -999 flagged INVALID with the raw value', () => {
    expect(byMetric.get('HR')).toMatchObject({ value: -999, flags: QualityFlag.INVALID });
  });

  it('flags OBX-8 DEMO and SENSOR_OFF on their own observations only', () => {
    expect(byMetric.get('RR')?.flags).toBe(QualityFlag.DEMO);
    expect(byMetric.get('PR')?.flags).toBe(QualityFlag.SENSOR_OFF);
    expect(byMetric.get('SPO2')?.flags).toBe(0);
    expect(record.recordFlags).toBe(QualityFlag.DEMO | QualityFlag.SENSOR_OFF);
    expect(record.statusWords).toEqual(['DEMO', 'SENSOR_OFF']);
  });

  it('resolves an OBX-3 with only a name', () => {
    expect(byMetric.get('PR')).toMatchObject({ value: 71, rawCode: 'MDC_PULS_OXIM_PULS_RATE' });
  });

  it('takes OBX-14 first (fractions, offsets), else its own OBR-7, else local time by the device offset', () => {
    // OBX-14 20261129083001.5-0500 → 13:30:01.500 UTC.
    expect(byMetric.get('RR')?.deviceTimeMs).toBe(Date.UTC(2026, 10, 29, 13, 30, 1, 500));
    // First OBR group, no offset → device local time at +01:00.
    expect(byMetric.get('SPO2')?.deviceTimeMs).toBe(Date.UTC(2026, 10, 29, 7, 30, 0));
    // Second OBR group (NIBP), its own OBR-7.
    expect(byMetric.get('NIBP_SYS')?.deviceTimeMs).toBe(Date.UTC(2026, 10, 29, 7, 25, 0));
    // Four fractional digits are rounded to the millisecond.
    expect(byMetric.get('NIBP_MEAN')?.deviceTimeMs).toBe(Date.UTC(2026, 10, 29, 7, 24, 59, 123));
    expect(record.deviceTimeMs).toBe(Date.UTC(2026, 10, 29, 7, 30, 0));
  });

  it('takes the bed from PV1-3.3 even when PV1-3.2 is empty', () => {
    expect(record.bedLabel).toBe('B12');
    expect(record.patientId).toBe('MRN-42');
  });

  it('does not resolve a private code as an MDC number without a vendor map entry', () => {
    const withoutMap = parseOruR01(join(QUIRKY_MONITOR), {});
    expect(withoutMap.unknownCodes).toEqual(['196674^99ACME', '196999^99ACME']);
  });
});

describe('parseOruR01 units', () => {
  const record = parseOruR01(join(UNIT_VARIANTS), ctx);
  const byMetric = new Map(record.observations.map((o) => [o.metric, o]));

  it('converts degF to Cel and kPa to mmHg, at catalog resolution', () => {
    expect(byMetric.get('TEMP')?.value).toBe(37);
    // 5.3 kPa = 39.75 mmHg, reported at 1 mmHg.
    expect(record.observations.filter((o) => o.metric === 'ETCO2').map((o) => o.value)).toEqual([40]);
    // MDC_AWAY_CO2_ET is EtCO2 too, but ranked after MDC_CONC_AWAY_CO2_ET: in the same
    // record it keeps its own code, so neither value is lost and they never collide.
    expect(byMetric.get('151728')).toMatchObject({ value: 35, unit: 'mm[Hg]', term: 151728 });
  });

  it('understands Philips MDIL hex codes and UCUM units', () => {
    expect(byMetric.get('SPO2')).toMatchObject({ value: 98, rawCode: '0002-4bb8' });
    expect(byMetric.get('NIBP_SYS')?.value).toBe(120);
  });

  it('rejects SpO2 in mmHg with WL_INGEST_UNIT_MISMATCH and keeps the rest', () => {
    expect(record.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_UNIT_MISMATCH', rawCode: '150456' })]);
    expect(record.observations).toHaveLength(5);
  });
});

describe('parseOruR01 separators and escapes', () => {
  it('uses the separators MSH-1/MSH-2 declare and decodes escapes in ids', () => {
    const record = parseOruR01(join(CUSTOM_SEPARATORS), ctx);
    expect(record.controlId).toBe('C#1');
    expect(record.patientId).toBe('ID$7');
    expect(record.observations).toEqual([expect.objectContaining({ metric: 'SPO2', value: 99 })]);
  });

  it('decodes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ in PID-3', () => {
    const msg = join(['MSH|^~\\&|M||||20261129083000||ORU^R01|1|P|2.6', 'PID|||A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F', 'OBX||NM|147842^^MDC||60']);
    expect(parseOruR01(msg, ctx).patientId).toBe('A|B^C&D~E\\F');
  });
});

describe('parseOruR01 rejections', () => {
  const base = (obx: string, extra: string[] = []) => join(['MSH|^~\\&|M||||20261129083000||ORU^R01|R1|P|2.6', ...extra, obx]);

  it('refuses a text that is not HL7 with WL_INGEST_MALFORMED_FRAME', () => {
    expectThrowsCode(() => parseOruR01('hello world', ctx), 'WL_INGEST_MALFORMED_FRAME');
    expectThrowsCode(() => parseOruR01('MSH', ctx), 'WL_INGEST_MALFORMED_FRAME');
    expectThrowsCode(() => parseOruR01('MSH|^^~&|x', ctx), 'WL_INGEST_MALFORMED_FRAME');
    expectThrowsCode(() => parseOruR01('MSHa^~\\&|x', ctx), 'WL_INGEST_MALFORMED_FRAME');
  });

  it('refuses other message types with WL_INGEST_UNSUPPORTED_MESSAGE', () => {
    expectThrowsCode(() => parseOruR01(join(['MSH|^~\\&|M||||20261129083000||ADT^A01|1|P|2.6', 'PID|||1']), ctx), 'WL_INGEST_UNSUPPORTED_MESSAGE');
    expectThrowsCode(() => parseOruR01(join(['MSH|^~\\&|M||||20261129083000||ORU^R30|1|P|2.6', 'OBX||NM|147842||60']), ctx), 'WL_INGEST_UNSUPPORTED_MESSAGE');
  });

  it('refuses an ORU^R01 without OBX with WL_INGEST_MISSING_SEGMENT', () => {
    expectThrowsCode(() => parseOruR01(join(['MSH|^~\\&|M||||20261129083000||ORU^R01|1|P|2.6', 'PID|||1', 'OBR|1']), ctx), 'WL_INGEST_MISSING_SEGMENT');
  });

  it('rejects a non-numeric value with WL_INGEST_NOT_NUMERIC', () => {
    const record = parseOruR01(base('OBX||NM|147842^MDC_ECG_HEART_RATE^MDC||7 2|264864'), ctx);
    expect(record.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_NOT_NUMERIC', rawCode: '147842' })]);
    expect(record.observations).toEqual([]);
  });

  it('rejects unreadable OBX-14, OBR-7 and (when used) MSH-7 with WL_INGEST_BAD_TIMESTAMP', () => {
    const obx14 = parseOruR01(base('OBX||NM|147842||60||||||R|||2026-11-29 08:30'), ctx);
    expect(obx14.rejects.map((r) => r.code)).toEqual(['WL_INGEST_BAD_TIMESTAMP']);
    const obr7 = parseOruR01(base('OBX||NM|147842||60', ['OBR|1|||X|||20261131083000']), ctx);
    expect(obr7.rejects.map((r) => r.code)).toEqual(['WL_INGEST_BAD_TIMESTAMP']);
    const msh7 = parseOruR01(join(['MSH|^~\\&|M||||yesterday||ORU^R01|1|P|2.6', 'OBX||NM|147842||60', 'OBX||NM|151562||16||||||R|||20261129083000']), ctx);
    expect(msh7.rejects.map((r) => [r.code, r.rawCode])).toEqual([['WL_INGEST_BAD_TIMESTAMP', '147842']]);
    expect(msh7.observations.map((o) => o.metric)).toEqual(['RR']);
    expect(msh7.deviceTimeMs).toBeNull();
  });

  it('stores out-of-range values flagged INVALID with the raw value, and OBX-11 X as INVALID', () => {
    const record = parseOruR01(base('OBX||NM|150456||101'), ctx);
    expect(record.observations).toEqual([expect.objectContaining({ metric: 'SPO2', value: 101, flags: QualityFlag.INVALID })]);
    const x = parseOruR01(base('OBX||NM|150456||0||||||X'), ctx);
    expect(x.observations[0]?.flags).toBe(QualityFlag.INVALID);
  });

  it('skips a known metric with an empty or dashed value without a reject', () => {
    const record = parseOruR01(base('OBX||NM|150456||--', ['OBX||NM|147842||']), ctx);
    expect(record.observations).toEqual([]);
    expect(record.rejects).toEqual([]);
  });

  it('counts an OBX with a value but no identifier as unknown', () => {
    expect(parseOruR01(base('OBX||NM|||55'), ctx).unknownCodes).toEqual(['(empty OBX-3)']);
  });
});
