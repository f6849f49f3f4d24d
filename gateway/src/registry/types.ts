import type { VendorCodeMap } from '@wardlink/shared';
import type { AdmissionSource } from './admissions.js';

export type DeviceKind = 'serial' | 'tcp-hl7' | 'mqtt';
export const DEVICE_KINDS: readonly DeviceKind[] = ['serial', 'tcp-hl7', 'mqtt'];

export interface Bed {
  bedId: string;
  label: string;
  createdAtMs: number;
}

export interface Device {
  deviceId: string;
  kind: DeviceKind;
  bedId: string;
  /** The monitor format: a name in the format registry (ingest/formats/registry.ts), e.g. `hl7-mllp` or `mqtt-json`. */
  format: string;
  /** Serial devices: the port path, e.g. /dev/ttyUSB0. */
  portPath: string | null;
  baudRate: number | null;
  /** tcp-hl7 devices: the OBX-18 equipment id or MSH-3 that identifies their messages. */
  matchId: string | null;
  vendorMap: VendorCodeMap;
  /** The device clock's offset from UTC, for formats whose timestamps carry no zone. */
  utcOffsetMinutes: number;
  /** mqtt devices: the broker username (the password is stored only as a hash). */
  mqttUsername: string | null;
  /** tcp-hl7 devices: the IP addresses their messages may come from; empty: any. */
  allowedPeers: string[];
  enabled: boolean;
  createdAtMs: number;
}

export interface Admission {
  bedId: string;
  patientId: string;
  admittedAtMs: number;
  dischargedAtMs: number | null;
  source: AdmissionSource;
}
