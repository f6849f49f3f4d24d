/** Stable hardware identities derived from a device id, as a real monitor would report. */
import { hash32 } from './prng.js';

function fnv1a(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return hash32(h);
}

/** The device's EUI-64 as 16 upper-case hex digits (HL7 OBX-18, MSH-3 style). */
export function deviceEui64(deviceId: string): string {
  const hi = fnv1a(deviceId, 1).toString(16).padStart(8, '0');
  const lo = fnv1a(deviceId, 2).toString(16).padStart(8, '0');
  return `${hi}${lo}`.toUpperCase();
}

/** The device's 10-digit serial number (the `SN=` field of the timestamped ASCII format). */
export function deviceSerialNumber(deviceId: string): string {
  return String(fnv1a(deviceId, 3) % 10_000_000_000).padStart(10, '0');
}
