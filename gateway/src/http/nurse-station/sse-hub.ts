/**
 * Server-Sent Events to the nurse-station pages. Each client's queue is the bytes its
 * socket has not taken yet (`writableLength`), bounded: a client that falls behind by
 * more than `maxBufferedBytes` is dropped, not buffered forever. Its EventSource
 * reconnects after `retry` ms and starts again from a full snapshot, so a dropped client
 * loses nothing it cannot get back. A comment line every `heartbeatMs` keeps proxies and
 * NAT from closing an idle stream and lets the page notice a dead link.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { silentAlarmLogger, type AlarmLogger } from '../../alarms/types.js';
import { sendJson } from '../server.js';

export interface SseHubOptions {
  /** Bytes a client may lag behind before it is dropped. Default 256 KiB. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** The reconnect delay the browser is told (`retry:`). Default 2000. */
  retryMs?: number;
  maxClients?: number;
  clock?: Clock;
  logger?: AlarmLogger;
}

export interface SseMessage {
  event: string;
  data: unknown;
}

export function sseFrame(message: SseMessage): string {
  // JSON.stringify never emits a raw newline, so the data fits one `data:` line.
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: TimerHandle | null = null;
  private readonly maxBufferedBytes: number;
  private readonly retryMs: number;
  private readonly maxClients: number;
  private readonly clock: Clock;
  private readonly logger: AlarmLogger;
  /** Clients dropped for falling behind. */
  dropped = 0;

  constructor(private readonly opts: SseHubOptions = {}) {
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 256 * 1024;
    this.retryMs = opts.retryMs ?? 2000;
    this.maxClients = opts.maxClients ?? 100;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentAlarmLogger;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  start(): void {
    this.heartbeat ??= this.clock.setInterval(() => this.sendRaw(': heartbeat\n\n'), this.opts.heartbeatMs ?? 15_000).unref();
  }

  /** Takes over the response as an event stream and sends `initial` first. */
  attach(req: IncomingMessage, res: ServerResponse, initial: readonly SseMessage[]): void {
    if (this.clients.size >= this.maxClients) {
      sendJson(res, 503, { error: { code: 'WL_SSE_TOO_MANY_CLIENTS', message: `at most ${this.maxClients} live pages; close one and reload` } });
      return;
    }
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.clients.add(res);
    res.once('close', () => this.clients.delete(res));
    this.write(res, `retry: ${this.retryMs}\n\n` + initial.map(sseFrame).join(''));
  }

  broadcast(message: SseMessage): void {
    if (this.clients.size === 0) return;
    this.sendRaw(sseFrame(message));
  }

  close(): void {
    this.heartbeat?.cancel();
    this.heartbeat = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private sendRaw(frame: string): void {
    for (const res of this.clients) this.write(res, frame);
  }

  private write(res: ServerResponse, frame: string): void {
    if (res.writableLength + frame.length > this.maxBufferedBytes) {
      this.dropped += 1;
      this.clients.delete(res);
      this.logger.warn({ bufferedBytes: res.writableLength }, 'nurse-station client too slow; dropped (it reconnects from a snapshot)');
      res.destroy();
      return;
    }
    res.write(frame);
  }
}
