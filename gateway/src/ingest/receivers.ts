/**
 * What a serial port or TCP connection does with one framed unit of input: an HL7 message
 * (answered with an ACK after the commit) or one ASCII line.
 */
import { plainAddress } from '../peer-address.js';
import { isIngestError, PeerNotAllowedError, UnknownDeviceError, type WardlinkError } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import { formatByName } from './formats/index.js';
import type { AdtFeed } from './adt-feed.js';
import { isAdtType } from './formats/hl7/adt.js';
import { ackCodeFor, buildAck, deframeMllp, mllpFrame, parseOruR01, tryReadMsh, type MshHeader } from './formats/hl7/index.js';
import type { FormatContext, ParsedRecord } from './formats/format.js';
import type { IngestPipeline } from './pipeline.js';
import { toRejectInfo, type RejectLog } from './reject-log.js';

export interface ReceiverDeps {
  pipeline: IngestPipeline;
  /** The ADT feed (admissions.source "adt"); HL7 ADT from anywhere else is refused there. */
  adt?: AdtFeed;
  registry: Registry;
  rejects: RejectLog;
  logger: Logger;
  now: () => number;
  maxMessageBytes: number;
}

function contextOf(device: Device | undefined, now: () => number): FormatContext {
  return device ? { vendorMap: device.vendorMap, utcOffsetMinutes: device.utcOffsetMinutes, now } : { now };
}

/** True for frames that carry nothing (keep-alive newlines between MLLP frames). */
function isBlank(frame: Buffer): boolean {
  for (const byte of frame) if (byte !== 0x0a && byte !== 0x0d && byte !== 0x0b && byte !== 0x20) return false;
  return true;
}

export class Hl7Receiver {
  constructor(private readonly deps: ReceiverDeps) {}

  /**
   * Handles one MLLP frame and returns the framed ACK to send back, or null for a blank
   * frame. `fixedDevice` is the serial port's device; over TCP the device is found from
   * the message (OBX-18 equipment id, else MSH-3 sending application). An ADT message
   * over TCP goes to the ADT feed; `peer` is the connection's remote address.
   */
  async handle(frame: Buffer, fixedDevice: Device | null, peer: string | null = null): Promise<Buffer | null> {
    if (isBlank(frame)) return null;
    const receivedAtMs = this.deps.now();
    let msh: MshHeader | undefined;
    let device: Device | undefined = fixedDevice ?? undefined;
    try {
      const text = deframeMllp(frame, this.deps.maxMessageBytes);
      msh = tryReadMsh(text);
      if (msh !== undefined && isAdtType(msh.messageType) && fixedDevice === null && this.deps.adt) {
        return mllpFrame(this.deps.adt.handle(text, peer));
      }
      let record = parseOruR01(text, contextOf(device, this.deps.now));
      if (!device) {
        this.deps.registry.refreshIfChanged();
        device = this.findDevice(record, msh);
        if (!device) throw new UnknownDeviceError(record.equipmentId ?? (msh?.sendingApplication.trim() || '(none)'));
        const address = plainAddress(peer) ?? '(unknown)';
        if (device.allowedPeers.length > 0 && !device.allowedPeers.includes(address)) throw new PeerNotAllowedError(device.deviceId, address);
        if (Object.keys(device.vendorMap).length > 0 || device.utcOffsetMinutes !== 0) {
          record = parseOruR01(text, contextOf(device, this.deps.now));
        }
      }
      await this.deps.pipeline.submit(device, record, receivedAtMs);
      return mllpFrame(buildAck(msh, 'AA', { nowMs: this.deps.now() }));
    } catch (err) {
      if (isIngestError(err)) {
        this.deps.rejects.record(device?.deviceId ?? null, err);
        return mllpFrame(buildAck(msh, ackCodeFor(err.code), { errorCode: err.code, text: err.message, nowMs: this.deps.now() }));
      }
      // The buffer could not commit: AE tells the sender to resend later; nothing is lost.
      this.deps.rejects.record(device?.deviceId ?? null, toRejectInfo(err, 'HL7 message not committed; answering AE, the device resends'));
      const code = (err as WardlinkError).code ?? 'WL_BUFFER_WRITE_FAILED';
      return mllpFrame(buildAck(msh, 'AE', { errorCode: code, text: 'gateway buffer unavailable; resend later', nowMs: this.deps.now() }));
    }
  }

  /**
   * The device a TCP message is from, by its `matchId`: the most specific identifier first.
   * OBX-18 (the monitor's EUI-64), the PV1-3 bed (a central station sending for many beds:
   * Nihon Kohden `BED-001`, Philips `Doc1`), MSH-4 (Comen puts the serial there), then
   * MSH-3 (the sending application, whole or its first component).
   */
  private findDevice(record: ParsedRecord, msh: MshHeader | undefined): Device | undefined {
    const { registry } = this.deps;
    const first = (s: string | undefined) => s?.split('^')[0]?.trim();
    const app = msh?.sendingApplication.trim();
    const candidates = [record.equipmentId, first(record.equipmentId), record.bedLabel, msh?.sendingFacility.trim(), first(msh?.sendingFacility), app, first(app)];
    for (const id of candidates) {
      const device = id ? registry.deviceByMatchId(id) : undefined;
      if (device && device.enabled) return device;
    }
    return undefined;
  }
}

export class LineReceiver {
  constructor(private readonly deps: ReceiverDeps) {}

  /** Handles one ASCII line from a serial device. Bad lines are counted, never thrown. */
  async handle(line: Buffer, device: Device): Promise<void> {
    const text = line.toString('latin1').replace(/[\r\n]+$/, '');
    if (text.trim() === '') return;
    const format = formatByName(device.format);
    if (!format) {
      this.deps.logger.error({ device: device.deviceId, format: device.format }, 'device has an unknown format');
      return;
    }
    try {
      const record = format.parse(text, contextOf(device, this.deps.now));
      await this.deps.pipeline.submit(device, record, this.deps.now());
    } catch (err) {
      if (isIngestError(err)) {
        this.deps.rejects.record(device.deviceId, err);
        return;
      }
      throw err;
    }
  }
}
