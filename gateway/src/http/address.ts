/** The client's address as a key for limits and the audit (IPv4-mapped IPv6 shown as IPv4). */
import type { IncomingMessage } from 'node:http';

export function addressOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}
