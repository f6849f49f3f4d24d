/**
 * Keeps one SerialDevice running per registered, enabled serial device: starts ports for
 * devices added with the CLI, stops those removed, restarts those whose port changed.
 */
import type { Logger } from 'pino';
import type { Clock } from '@wardlink/shared';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import type { DeviceStates } from './device-state.js';
import type { FrameReceiver } from './receivers.js';
import type { RejectLog } from './reject-log.js';
import { SerialDevice } from './serial.js';

interface FleetBase {
  registry: Registry;
  deviceStates: DeviceStates;
  rejects: RejectLog;
  logger: Logger;
  maxFrameBytes: number;
  clock: Clock;
  reconnect?: { initialMs: number; maxMs: number };
}

/** One receiver takes every format's frames. */
export type SerialFleetDeps = FleetBase & { receiver: FrameReceiver };

function signature(d: Device): string {
  return JSON.stringify([d.portPath, d.baudRate, d.format, d.bedId, d.vendorMap, d.utcOffsetMinutes, d.enabled]);
}

export class SerialFleet {
  private readonly running = new Map<string, { port: SerialDevice; signature: string }>();
  private readonly receiver: FrameReceiver;

  constructor(private readonly deps: SerialFleetDeps) {
    this.receiver = deps.receiver;
  }

  /** Brings the running ports in line with the registry. Cheap when nothing changed. */
  async reconcile(): Promise<void> {
    const wanted = new Map(
      this.deps.registry
        .listDevices()
        .filter((d) => d.kind === 'serial' && d.enabled && d.portPath)
        .map((d) => [d.deviceId, d]),
    );
    for (const [id, entry] of this.running) {
      const device = wanted.get(id);
      if (!device || signature(device) !== entry.signature) {
        this.running.delete(id);
        await entry.port.stop();
        if (!device) this.deps.deviceStates.forget(id);
      }
    }
    for (const [id, device] of wanted) {
      if (this.running.has(id)) continue;
      const { deviceStates, rejects, logger, maxFrameBytes, clock, reconnect } = this.deps;
      const port = new SerialDevice({ device, receiver: this.receiver, deviceStates, rejects, logger, maxFrameBytes, clock, reconnect });
      this.deps.logger.info({ device: id, port: device.portPath }, 'serial device started');
      this.running.set(id, { port, signature: signature(device) });
      port.start();
    }
  }

  async stop(): Promise<void> {
    const ports = [...this.running.values()].map((e) => e.port);
    this.running.clear();
    await Promise.all(ports.map((p) => p.stop()));
  }
}
