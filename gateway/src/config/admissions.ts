/**
 * `admissions`: the one source of truth for which patient is in which bed. Keys and
 * defaults are in the settings table (settings.ts); here are the shape and the rules only
 * this section has.
 *   source: "cli"    (default) IT admits and discharges with the CLI;
 *           "device" a monitor's HL7 PID-3 admits its patient to its bed;
 *           "adt"    the hospital's interface engine sends HL7 ADT (A01/A02/A03/A08/A11/
 *                    A12/A13) to the gateway's MLLP listener.
 *   adt.senders      the MSH-3 sending applications allowed (optionally "APP^FACILITY");
 *                    required with source "adt" (relations.ts);
 *   adt.peers        optional allowlist of the engine's IP addresses;
 *   adt.pointOfCare  PV1-3.1 of this ward (messages for other units are acknowledged and
 *                    ignored); null takes every point of care;
 *   adt.beds         optional map of "room^bed" (or "bed") to a bed id; otherwise PV1-3.3 is
 *                    the bed id (or a bed's label).
 */
import { isIP } from 'node:net';
import type { SettingRule } from '@wardlink/shared';
import { object, refuse, str, stringList } from './fields.js';
import { at } from './rules.js';

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

/** `admissions.adt.peers`: IP addresses only, since they are compared with the peer address. */
export const adtPeers: SettingRule = (raw, ctx) => {
  const peers = stringList(raw, at(ctx));
  const bad = peers.find((p) => isIP(p) === 0);
  if (bad !== undefined) refuse(at(ctx), `must list IP addresses; "${bad}" is none`, peers);
  return peers;
};

/** `admissions.adt.beds`: "room^bed" (or "bed") to a bed id. */
export const adtBeds: SettingRule = (raw, ctx) => {
  const given = object(raw, at(ctx), 'must be an object of "room^bed" to bed id');
  const beds: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) beds[k] = str(v, `${ctx.field}.${k}`);
  return beds;
};
