/**
 * The codes a PCD-04 (ORU^R40) message carries, and where each number comes from.
 *
 * - Message profile (MSH-21): `IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO`,
 *   the IHE PCD ACM profile id, in the PCD family of ids (PCD-01 is ...1.6.1.1.1, PCD-04
 *   ...1.6.1.4.1, PCD-09 ...1.6.1.9.1). The same id is in the B. Braun to Philips
 *   IntelliBridge reference message this folder tests against (fixtures/README.md).
 * - OBR-4 and the non-limit event: `196616^MDC_EVT_ALARM^MDC` (ISO/IEEE 11073-10101
 *   partition 3, events), as in the reference message.
 * - Limit events: `196648^MDC_EVT_HI^MDC` (3::40) and `196670^MDC_EVT_LO^MDC` (3::62). The
 *   partition-3 numbering is confirmed by a Masimo device's own ORU^R40, which sends
 *   `196674^MDC_EVT_LO_VAL_LT_LIM` (3::66) for a low SpO2. NOT 196652: that is 3::44,
 *   MDC_EVT_HI_VAL_GT_LIM.
 * - Alert facets (OBX-3 of the facet rows), as the PCD TF-2 ACM tables and the reference
 *   message give them: 68480 MDC_ATTR_ALERT_SOURCE, 68481 MDC_ATTR_EVENT_PHASE, 68482
 *   MDC_ATTR_ALARM_STATE, 68483 MDC_ATTR_ALARM_INACTIVATION_STATE, 68484
 *   MDC_ATTR_ALARM_PRIORITY, 68485 MDC_ATTR_ALERT_TYPE.
 * - The measured quantity and its unit: the metric catalog's MDC codes (shared catalog).
 */

export const ACM_PROFILE = 'IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO';
export const ORU_R40 = 'ORU^R40^ORU_R40';

export const MDC_EVT_ALARM = '196616^MDC_EVT_ALARM^MDC';
export const MDC_EVT_HI = '196648^MDC_EVT_HI^MDC';
export const MDC_EVT_LO = '196670^MDC_EVT_LO^MDC';

export const FACET = {
  source: '68480^MDC_ATTR_ALERT_SOURCE^MDC',
  phase: '68481^MDC_ATTR_EVENT_PHASE^MDC',
  state: '68482^MDC_ATTR_ALARM_STATE^MDC',
  inactivation: '68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC',
  priority: '68484^MDC_ATTR_ALARM_PRIORITY^MDC',
  alertType: '68485^MDC_ATTR_ALERT_TYPE^MDC',
} as const;

/** HL7's convention for a locally defined coding system (99zzz): Wardlink's technical
 * condition codes, for which 11073-10101 has no event code we could verify. */
export const LOCAL_CODING_SYSTEM = '99WARDLINK';
