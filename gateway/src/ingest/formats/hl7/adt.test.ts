import { describe, expect, it } from 'vitest';
import { parseAdt } from './adt.js';

/** Epic A02, verbatim from a public interface document (test values): PV1-2 "INPATIENT",
 * an escaped "&" in PV1-3 (L\T\D = L&D), the prior location in PV1-6. */
const EPIC_A02 = [
  'MSH|^~\\&|EPIC|EHS|||20170526133527|OBUTESTUSER|ADT^A02^ADT_A02|569|T|2.3',
  'EVN|A02|20170526133527||ADT_EVENT|OBUTESTUSER^OBSTETRICS^UNIT^CLERK^^^^^EHS^^^^^EHSMH|20170214152036',
  'PID|1||ZZZ44029^^^EPIC^MRN~ZZZ1203713^^^EPI^MR||TEST^DOLORES^^^^^D||19000210|F|||^^^^^US^L|||||||H4000544|111-11-1111|||||||||||N',
  'PD1|||TEST HOSPITAL^^10101',
  'PV1|1|INPATIENT|ZZZ10205^L\\T\\D TRIAGE-333^333-01^^R^^^^^^DEPID|EL||ZZZ10205^L\\T\\D TRIAGE-332^332-01^^R^^^^^^DEPID||||Obstetrics||||Non-Healthcr|||||C42271003|SELF',
].join('\r');

describe('parseAdt', () => {
  it('reads the trigger, patient, location and prior location of a real A02', () => {
    const m = parseAdt(EPIC_A02);
    expect(m).toMatchObject({
      trigger: 'A02',
      controlId: '569',
      sendingApplication: 'EPIC',
      sendingFacility: 'EHS',
      patientId: 'ZZZ44029',
      location: { pointOfCare: 'ZZZ10205', room: 'L&D TRIAGE-333', bed: '333-01' },
      priorLocation: { pointOfCare: 'ZZZ10205', room: 'L&D TRIAGE-332', bed: '332-01' },
    });
    // EVN-6 (when it happened) wins over EVN-2 (when it was recorded).
    expect(new Date(m.eventTimeMs!).toISOString()).toBe('2017-02-14T15:20:36.000Z');
  });

  it('keys the event on EVN-1 or MSH-9.2, never on MSH-9.3 (senders put ADT_A01 on an A13)', () => {
    const a13 = 'MSH|^~\\&|IE|H|||20261205080000||ADT^A13^ADT_A01|7|P|2.5\rPID|||P1\rPV1||I|ICU^1^2';
    expect(parseAdt(a13)).toMatchObject({ trigger: 'A13', patientId: 'P1', location: { bed: '2' } });
    const a11 = 'MSH|^~\\&|IE|H|||20261205080000||ADT^A11^ADT_A09|8|P|2.5\rEVN|A11\rPID|||P1';
    expect(parseAdt(a11)).toMatchObject({ trigger: 'A11', location: null });
  });

  it('refuses events that change no bed assignment', () => {
    expect(() => parseAdt('MSH|^~\\&|IE|H|||20261205080000||ADT^A31|9|P|2.5\rPID|||P1')).toThrow(expect.objectContaining({ code: 'WL_INGEST_UNSUPPORTED_MESSAGE' }));
  });
});
