/**
 * The hospital's ADT feed (`admissions.source` "adt"): HL7 ADT from the interface engine,
 * on the gateway's MLLP listener, answered AA only after the change is committed.
 *
 *   A01 admit, A13 cancel discharge   the patient into the PV1-3 bed, when it is this ward's
 *   A02 transfer, A12 cancel transfer into the PV1-3 bed when it is this ward's; else out of
 *                                     the bed they are in here (they moved elsewhere)
 *   A03 discharge, A11 cancel admit   out of the bed they are in here
 *   A08 update                        into the PV1-3 bed when it is this ward's and they are
 *                                     not there yet (a corrected location); else nothing
 *
 * A patient is in one bed at a time (registry/admissions.ts), so a transfer inside the
 * ward ends the stay in the first bed. Messages about other units are acknowledged AA and
 * change nothing: the engine must not retry them. Refused, with AR and a code: ADT while
 * the source is not "adt", a sender or a peer address not allowed. AE: a bed of this ward
 * the gateway does not know, a message without PID-3, a busy database (the engine retries).
 */
import { plainAddress } from '../peer-address.js';
import { AdtMissingFieldError, AdtNotAcceptedError, AdtSenderNotAllowedError, AdtUnknownBedError, isIngestError } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { AdmissionsConfig } from '../config/admissions.js';
import type { Registry } from '../registry/registry.js';
import { parseAdt, type AdtLocation, type AdtMessage } from './formats/hl7/adt.js';
import { ackCodeFor, buildAck, tryReadMsh } from './formats/hl7/index.js';
import type { RejectLog } from './reject-log.js';

export interface AdtFeedDeps {
  registry: Registry;
  config: () => AdmissionsConfig;
  rejects: RejectLog;
  logger: Logger;
  now: () => number;
}

/** How long an ADT change waits for a lock another process (the CLI) holds, ms. */
const BUSY_WAIT_MS = 100;

export class AdtFeed {
  constructor(private readonly deps: AdtFeedDeps) {}

  /** Applies one ADT message and returns its ACK (unframed). Never throws. */
  handle(text: string, peer: string | null): string {
    const msh = tryReadMsh(text);
    let trigger = 'A01';
    try {
      const config = this.deps.config();
      if (config.source !== 'adt') throw new AdtNotAcceptedError(config.source);
      const msg = parseAdt(text);
      trigger = msg.trigger;
      this.checkSender(msg, peer, config);
      if (msg.patientId === '') throw new AdtMissingFieldError('PID-3 (patient identifier)', { controlId: msg.controlId });
      const outcome = this.apply(msg, config);
      this.deps.logger.info({ trigger: msg.trigger, controlId: msg.controlId, outcome }, 'ADT message applied');
      return buildAck(msh, 'AA', { nowMs: this.deps.now(), trigger, text: outcome });
    } catch (err) {
      if (isIngestError(err)) {
        this.deps.rejects.record(null, err, { peer });
        return buildAck(msh, ackCodeFor(err.code), { errorCode: err.code, text: err.message, nowMs: this.deps.now(), trigger });
      }
      this.deps.logger.error({ err, peer }, 'ADT message not applied; answering AE');
      const code = (err as { code?: string }).code ?? 'WL_BUFFER_WRITE_FAILED';
      return buildAck(msh, 'AE', { errorCode: code, text: 'gateway database busy or unavailable; resend later', nowMs: this.deps.now(), trigger });
    }
  }

  private checkSender(msg: AdtMessage, peer: string | null, config: AdmissionsConfig): void {
    const sender = msg.sendingFacility === '' ? msg.sendingApplication : `${msg.sendingApplication}^${msg.sendingFacility}`;
    if (!config.adt.senders.includes(msg.sendingApplication) && !config.adt.senders.includes(sender)) throw new AdtSenderNotAllowedError(sender, { controlId: msg.controlId });
    const address = plainAddress(peer);
    if (config.adt.peers.length > 0 && (address === null || !config.adt.peers.includes(address))) {
      throw new AdtSenderNotAllowedError(sender, { controlId: msg.controlId, peer: address ?? '(serial)' });
    }
  }

  /** Applies the event; returns what it did, for the ACK's text and the log. */
  private apply(msg: AdtMessage, config: AdmissionsConfig): string {
    const { registry } = this.deps;
    const atMs = msg.eventTimeMs ?? this.deps.now();
    const opts = { source: 'adt' as const, atMs, reference: `${msg.controlId}^${msg.trigger}`, busyWaitMs: BUSY_WAIT_MS };
    const here = this.bedOf(msg.location, config);
    const current = registry.admissions.bedOf(msg.patientId);
    const into = (action: 'admit' | 'transfer-in' | 'cancel-discharge'): string => {
      if (here === undefined) return 'not this ward: nothing changed';
      registry.admit(here, msg.patientId, 'adt', atMs, { ...opts, action });
      return `${action} ${here}`;
    };
    const out = (action: 'discharge' | 'transfer-out' | 'cancel-admit' | 'cancel-transfer'): string => {
      if (current === undefined) return 'patient not in a bed of this ward: nothing changed';
      registry.vacateBed(current, action, { ...opts, onlyPatient: msg.patientId });
      return `${action} ${current}`;
    };
    switch (msg.trigger) {
      case 'A01':
        return into('admit');
      case 'A13':
        return into('cancel-discharge');
      case 'A02':
      case 'A12':
        return here !== undefined ? into('transfer-in') : out(msg.trigger === 'A12' ? 'cancel-transfer' : 'transfer-out');
      case 'A03':
        return out('discharge');
      case 'A11':
        return out('cancel-admit');
      case 'A08':
        return here !== undefined && registry.patientOf(here) !== msg.patientId ? into('admit') : 'no bed change';
    }
  }

  /**
   * The bed of a PV1-3 location when it is this ward's; undefined for another unit.
   * Throws AdtUnknownBedError for a location of this ward that names no bed.
   */
  private bedOf(loc: AdtLocation | null, config: AdmissionsConfig): string | undefined {
    if (loc === null) return undefined;
    if (config.adt.pointOfCare !== null && loc.pointOfCare !== config.adt.pointOfCare) return undefined;
    const { registry } = this.deps;
    const mapped = config.adt.beds[`${loc.room}^${loc.bed}`] ?? config.adt.beds[loc.bed];
    if (mapped !== undefined && registry.hasBed(mapped)) return mapped;
    const beds = registry.listBeds();
    const bed = beds.find((b) => b.bedId === loc.bed) ?? beds.find((b) => b.label === loc.bed && loc.bed !== '');
    if (bed) return bed.bedId;
    throw new AdtUnknownBedError(`${loc.pointOfCare}^${loc.room}^${loc.bed}`);
  }
}
