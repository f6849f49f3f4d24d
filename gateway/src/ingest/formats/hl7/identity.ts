/**
 * Which device an HL7 message is from, read from its segments without its observations, so
 * that the HL7 listener finds the device (and its vendor map and clock offset) before the
 * message is read, and reads it once.
 */
import type { DeviceIdentity } from '../entry.js';
import type { Hl7Separators } from './encoding.js';
import type { MshHeader } from './msh.js';
import { component, subcomponents, type Hl7Message, type Hl7Segment } from './segments.js';

/** OBX-18, the equipment instance identifier (the monitor's EUI-64); '' when absent. */
export function equipmentIdOf(obx: Hl7Segment, sep: Hl7Separators): string {
  return component(obx, 18, 1, sep) || component(obx, 18, 2, sep);
}

/** PV1-3 PL.3, the bed; monitors put it in a subcomponent (Philips ^^Doc1&5&1, Comen
 * ^^&24), else the point of care. '' when absent. */
export function bedLabelOf(pv1: Hl7Segment, sep: Hl7Separators): string {
  return (subcomponents(pv1, 3, 3, sep).find((x) => x.trim() !== '') ?? component(pv1, 3, 1, sep)).trim();
}

/**
 * A message's device ids, the most specific first: OBX-18 (the first OBX that has one),
 * the PV1-3 bed (a central station sending for many beds: Nihon Kohden `BED-001`, Philips
 * `Doc1`), MSH-4 (Comen puts the serial there), then MSH-3 (the sending application), each
 * whole and then its first component.
 */
export function hl7DeviceIdentity(message: Hl7Message, msh: MshHeader): DeviceIdentity {
  const sep = message.separators;
  let equipmentId: string | undefined;
  let bedLabel: string | undefined;
  for (const seg of message.segments) {
    if (equipmentId === undefined && seg.name === 'OBX') equipmentId = equipmentIdOf(seg, sep) || undefined;
    else if (bedLabel === undefined && seg.name === 'PV1') bedLabel = bedLabelOf(seg, sep) || undefined;
  }
  const first = (s: string | undefined) => s?.split('^')[0]?.trim();
  const app = msh.sendingApplication.trim();
  return {
    candidates: [equipmentId, first(equipmentId), bedLabel, msh.sendingFacility.trim(), first(msh.sendingFacility), app, first(app)],
    shownAs: equipmentId ?? (app || '(none)'),
  };
}
