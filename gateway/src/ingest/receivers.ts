/**
 * What a serial port or a TCP connection does with one frame, whatever its format: the
 * steps of the format's registry entry (formats/entry.ts), the pipeline's commit, then the
 * entry's reply. A reply is sent only after the commit, or it refuses the message with a
 * code the sender sees: nothing is acknowledged and then dropped. Nothing here knows a
 * format by name.
 */
import { plainAddress } from '../peer-address.js';
import { isIngestError, PeerNotAllowedError, UnknownDeviceError } from '@wardlink/shared';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import type { AdtFeed } from './adt-feed.js';
import type { FormatEntry } from './formats/entry.js';
import type { FormatContext } from './formats/format.js';
import type { IngestPipeline } from './pipeline.js';
import { toRejectInfo, type RejectLog } from './reject-log.js';

export interface ReceiverDeps {
  pipeline: Pick<IngestPipeline, 'submit'>;
  /** The ADT feed (admissions.source "adt"); HL7 ADT from anywhere else is refused there. */
  adt?: Pick<AdtFeed, 'handle'>;
  registry: Pick<Registry, 'refreshIfChanged' | 'deviceByMatchId'>;
  rejects: Pick<RejectLog, 'record'>;
  now: () => number;
  maxMessageBytes: number;
}

/** Where a frame came from. */
export interface FrameSource<M> {
  format: FormatEntry<M>;
  /** The serial port's device; null on a listener many devices share, where each message
   * names its device (the entry's `identify`). */
  device: Device | null;
  /** The connection's remote address; null on a serial port. */
  peer: string | null;
  /** The connection or serial port itself: the buffer commits at once for one that sends
   * back to back (BufferWriter's backToBack). */
  sender?: object;
}

function contextOf(device: Device, now: () => number): FormatContext {
  return { vendorMap: device.vendorMap, utcOffsetMinutes: device.utcOffsetMinutes, now };
}

export class FrameReceiver {
  constructor(private readonly deps: ReceiverDeps) {}

  /**
   * Handles one frame and returns the reply to send back (framed), or null when there is
   * none: a blank frame, or a format that answers nothing. On a shared listener an
   * admission message (HL7 ADT) goes to the ADT feed.
   */
  async handle<M>(frame: Buffer, from: FrameSource<M>): Promise<Buffer | null> {
    const { format } = from;
    if (format.framing.isBlank(frame)) return null;
    const receivedAtMs = this.deps.now();
    let message: M | undefined;
    let device: Device | undefined = from.device ?? undefined;
    try {
      message = format.decode(frame, { maxBytes: this.deps.maxMessageBytes });
      const adt = from.device === null ? this.deps.adt : undefined;
      const admission = adt && format.admissionText?.(message);
      if (adt && admission !== undefined) return format.framing.wrap(adt.handle(admission, from.peer));
      format.assertUsable?.(message);
      if (!device) {
        device = this.deviceNamedBy(format, message);
        this.assertPeerAllowed(device, from.peer);
      }
      // Read once, with the device's vendor map and clock offset (formats/entry.ts).
      const record = format.read(message, contextOf(device, this.deps.now));
      await this.deps.pipeline.submit(device, record, receivedAtMs, from.sender === undefined ? { senderWaits: true } : { senderWaits: true, sender: from.sender });
      return format.ack === 'none' ? null : format.framing.wrap(format.ack.accepted(message, this.deps.now()));
    } catch (err) {
      return this.refuse(err, format, message, device);
    }
  }

  private refuse<M>(err: unknown, format: FormatEntry<M>, message: M | undefined, device: Device | undefined): Buffer | null {
    const deviceId = device?.deviceId ?? null;
    if (isIngestError(err)) {
      this.deps.rejects.record(deviceId, err);
      return format.ack === 'none' ? null : format.framing.wrap(format.ack.refused(message, err, this.deps.now()));
    }
    // A format without replies cannot tell its sender: the transport logs the failure.
    if (format.ack === 'none') throw err;
    // The buffer could not commit: the refusal tells the sender to resend later; nothing is lost.
    const reject = toRejectInfo(err, `${format.name} message not committed; refused, the device resends`);
    this.deps.rejects.record(deviceId, reject);
    return format.framing.wrap(format.ack.notCommitted(message, reject.code, this.deps.now()));
  }

  /** The enabled device a message on a shared listener names, by its `matchId`, the most
   * specific of the message's ids first (the entry's `identify`). */
  private deviceNamedBy<M>(format: FormatEntry<M>, message: M): Device {
    const { registry } = this.deps;
    registry.refreshIfChanged();
    const identity = format.identify?.(message);
    for (const id of identity?.candidates ?? []) {
      const device = id ? registry.deviceByMatchId(id) : undefined;
      if (device && device.enabled) return device;
    }
    throw new UnknownDeviceError(identity?.shownAs ?? '(none)');
  }

  /** A device with allowed peer addresses takes messages from those only (AR otherwise). */
  private assertPeerAllowed(device: Device, peer: string | null): void {
    const address = plainAddress(peer) ?? '(unknown)';
    if (device.allowedPeers.length > 0 && !device.allowedPeers.includes(address)) throw new PeerNotAllowedError(device.deviceId, address);
  }
}
