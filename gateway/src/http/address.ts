/** The client's address as a key for limits and the audit (IPv4-mapped IPv6 shown as IPv4). */
import type { IncomingMessage } from 'node:http';
import { plainAddress } from '../peer-address.js';

export function addressOf(req: IncomingMessage): string {
  return plainAddress(req.socket.remoteAddress) ?? 'unknown';
}
