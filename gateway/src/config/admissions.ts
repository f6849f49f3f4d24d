/**
 * `admissions`: the one source of truth for which patient is in which bed.
 *   source: "cli"    (default) IT admits and discharges with the CLI;
 *           "device" a monitor's HL7 PID-3 admits its patient to its bed;
 *           "adt"    the hospital's interface engine sends HL7 ADT (A01/A02/A03/A08/A11/
 *                    A12/A13) to the gateway's MLLP listener.
 *   adt.senders      the MSH-3 sending applications allowed (optionally "APP^FACILITY");
 *   adt.peers        optional allowlist of the engine's IP addresses;
 *   adt.pointOfCare  PV1-3.1 of this ward (messages for other units are acknowledged and
 *                    ignored); null takes every point of care;
 *   adt.beds         optional map of "room^bed" (or "bed") to a bed id; otherwise PV1-3.3 is
 *                    the bed id (or a bed's label).
 */
import { ConfigError } from '@wardlink/shared';
import { isIP } from 'node:net';
import { oneOf, pick, str } from './fields.js';

export type AdmissionSourceSetting = 'cli' | 'device' | 'adt';
export const ADMISSION_SOURCE_SETTINGS: readonly AdmissionSourceSetting[] = ['cli', 'device', 'adt'];

export interface AdmissionsConfig {
  source: AdmissionSourceSetting;
  adt: {
    senders: string[];
    peers: string[];
    pointOfCare: string | null;
    beds: Record<string, string>;
  };
}

export const DEFAULT_ADMISSIONS: AdmissionsConfig = { source: 'cli', adt: { senders: [], peers: [], pointOfCare: null, beds: {} } };

function list(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) throw new ConfigError(field, 'must be a list of non-empty strings', value);
  return value.map((v: string) => v.trim());
}

export function admissionsConfig(raw: Record<string, unknown>): AdmissionsConfig {
  const section = pick(raw, 'admissions');
  if (section !== undefined && (section === null || typeof section !== 'object' || Array.isArray(section))) throw new ConfigError('admissions', 'must be an object', section);
  for (const key of Object.keys((section as object | undefined) ?? {})) if (key !== 'source' && key !== 'adt') throw new ConfigError(`admissions.${key}`, 'is not a known setting');
  const source = oneOf(pick(raw, 'admissions.source') ?? DEFAULT_ADMISSIONS.source, 'admissions.source', ADMISSION_SOURCE_SETTINGS);
  const adtRaw = pick(raw, 'admissions.adt');
  if (adtRaw !== undefined && (adtRaw === null || typeof adtRaw !== 'object' || Array.isArray(adtRaw))) throw new ConfigError('admissions.adt', 'must be an object', adtRaw);
  for (const key of Object.keys((adtRaw as object | undefined) ?? {})) {
    if (!['senders', 'peers', 'pointOfCare', 'beds'].includes(key)) throw new ConfigError(`admissions.adt.${key}`, 'is not a known setting');
  }
  const senders = list(pick(raw, 'admissions.adt.senders'), 'admissions.adt.senders');
  const peers = list(pick(raw, 'admissions.adt.peers'), 'admissions.adt.peers');
  const bad = peers.find((p) => isIP(p) === 0);
  if (bad !== undefined) throw new ConfigError('admissions.adt.peers', `must list IP addresses; "${bad}" is none`, peers);
  const poc = pick(raw, 'admissions.adt.pointOfCare');
  const bedsRaw = pick(raw, 'admissions.adt.beds') ?? {};
  if (bedsRaw === null || typeof bedsRaw !== 'object' || Array.isArray(bedsRaw)) throw new ConfigError('admissions.adt.beds', 'must be an object of "room^bed" to bed id', bedsRaw);
  const beds: Record<string, string> = {};
  for (const [k, v] of Object.entries(bedsRaw)) beds[k] = str(v, `admissions.adt.beds.${k}`);
  if (source === 'adt' && senders.length === 0) {
    throw new ConfigError('admissions.adt.senders', 'must name the interface engine (MSH-3) when admissions.source is "adt": an ADT feed from anyone would let any host re-admit a bed', senders);
  }
  return { source, adt: { senders, peers, pointOfCare: poc === undefined || poc === null ? null : str(poc, 'admissions.adt.pointOfCare'), beds } };
}
