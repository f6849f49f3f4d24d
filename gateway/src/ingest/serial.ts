/**
 * One serial port per device (RS-232/USB), read in the framing of the device's format and
 * handled by the format's registry entry (HL7 in MLLP frames, ASCII lines, ...).
 *  - A port missing at start is not fatal: the device is `gone` and the port is retried.
 *  - After an unplug (close or error) the port is reopened with exponential backoff and
 *    jitter, capped, until it returns.
 *  - While frames await their commit the stream is paused (see FramedSession).
 */
import { SerialPort } from 'serialport';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Device } from '../registry/types.js';
import type { DeviceStates } from './device-state.js';
import { formatByName } from './formats/registry.js';
import { FramedSession } from './framing.js';
import type { FrameReceiver } from './receivers.js';
import type { RejectLog } from './reject-log.js';

export interface SerialDeviceOptions {
  device: Device;
  receiver: FrameReceiver;
  deviceStates: DeviceStates;
  rejects: RejectLog;
  logger: Logger;
  maxFrameBytes: number;
  clock?: Clock;
  reconnect?: { initialMs: number; maxMs: number };
}

export class SerialDevice {
  private port: SerialPort | null = null;
  private session: FramedSession | null = null;
  private retryTimer: TimerHandle | null = null;
  private attempts = 0;
  private stopped = false;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: SerialDeviceOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ device: opts.device.deviceId, port: opts.device.portPath });
  }

  get deviceId(): string {
    return this.opts.device.deviceId;
  }

  start(): void {
    this.stopped = false;
    this.opts.deviceStates.register(this.deviceId);
    this.open();
  }

  private open(): void {
    const { device } = this.opts;
    if (this.stopped) return;
    const port = new SerialPort({ path: device.portPath ?? '', baudRate: device.baudRate ?? 9600, autoOpen: false });
    this.port = port;
    port.open((err) => {
      if (this.stopped) {
        if (!err) port.close();
        return;
      }
      if (err) {
        if (this.attempts === 0) this.log.warn({ err: err.message }, 'serial port not available; will keep retrying');
        this.opts.deviceStates.portGone(this.deviceId);
        this.scheduleReopen();
        return;
      }
      this.attempts = 0;
      this.log.info('serial port open');
      this.opts.deviceStates.portOpened(this.deviceId);
      this.attach(port);
    });
  }

  private attach(port: SerialPort): void {
    const { device, receiver } = this.opts;
    const format = formatByName(device.format);
    if (format) {
      this.session = new FramedSession({
        source: port,
        framing: format.framing,
        maxFrameBytes: this.opts.maxFrameBytes,
        maxInFlight: 32,
        handle: (frame) => receiver.handle(frame, { format, device: this.currentDevice(), peer: null, sender: port }),
        onOverflow: (err) => this.opts.rejects.record(this.deviceId, err),
        onHandlerError: (err) => this.log.error({ err }, 'serial frame handler failed'),
      });
    } else {
      // No framing to read it with: the port stays open and unread (the device never shows
      // as connected) until the device is given a known format.
      this.log.error({ format: device.format }, 'device has an unknown format');
    }
    const onGone = (reason: string) => {
      if (this.port !== port) return;
      this.port = null;
      this.session = null;
      port.removeAllListeners('data');
      if (this.stopped) return;
      this.log.warn({ reason }, 'serial port gone; reconnecting');
      this.opts.deviceStates.portGone(this.deviceId);
      this.scheduleReopen();
    };
    port.on('close', () => onGone('closed'));
    port.on('error', (err) => {
      onGone(err.message);
      if (port.isOpen) port.close(() => undefined);
    });
  }

  /** The registry may have changed the device (vendor map, bed) since the port opened. */
  private currentDevice(): Device {
    return this.opts.device;
  }

  private scheduleReopen(): void {
    if (this.stopped || this.retryTimer) return;
    const { initialMs, maxMs } = this.opts.reconnect ?? { initialMs: 500, maxMs: 30_000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempts, 16));
    // Equal jitter: at least half the ceiling, so a flapping port is not hammered.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempts += 1;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    const port = this.port;
    const session = this.session;
    this.port = null;
    if (session) await session.drained();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
