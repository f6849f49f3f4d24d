/**
 * Open connections in total and per client address, for a device-facing listener (MQTT,
 * HL7). One misbehaving host (or a scan) cannot take every slot; past a cap the new
 * connection is closed at once, before any byte of it is read, and counted.
 */
import type { Socket } from 'node:net';
import { plainAddress } from '../peer-address.js';

export interface ConnectionCaps {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

export type Refusal = 'total' | 'address';

export class ConnectionLimiter {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly caps: ConnectionCaps) {}

  /** Counts the socket until it closes, or says why it may not stay. */
  admit(socket: Socket): Refusal | null {
    const address = plainAddress(socket.remoteAddress) ?? 'unknown';
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (this.total >= this.caps.maxConnections) return 'total';
    if (fromAddress >= this.caps.maxConnectionsPerAddress) return 'address';
    this.total += 1;
    this.byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.total -= 1;
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(address);
      else this.byAddress.set(address, n);
    });
    return null;
  }

  get open(): number {
    return this.total;
  }
}
