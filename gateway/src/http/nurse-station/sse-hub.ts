/**
 * Server-Sent Events to the nurse-station pages. Each client's queue is the bytes its
 * socket has not taken yet (`writableLength`), bounded: a client that falls behind by
 * more than `maxBufferedBytes` is dropped, not buffered forever. Its EventSource
 * reconnects after `retry` ms and starts again from a full snapshot, so a dropped client
 * loses nothing it cannot get back. A comment line every `heartbeatMs` keeps proxies and
 * NAT from closing an idle stream and lets the page notice a dead link.
 *
 * Streams are capped in total and per client address (one PC cannot take every slot), and
 * each is tied to who opened it: every `recheckMs` a stream whose session or token is no
 * longer valid (signed out, expired, disabled, PIN reset) gets `event: signed-out` and is
 * closed, so a patient's data stops flowing within that time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { silentAlarmLogger, type AlarmLogger } from '../../alarms/types.js';
import { addressOf } from '../address.js';
import { HttpError } from '../http-error.js';

export class TooManyStreamsError extends HttpError {
  readonly status: number;
  constructor(scope: 'total' | 'address', max: number) {
    super(
      scope === 'total' ? 'WL_SSE_TOO_MANY_CLIENTS' : 'WL_SSE_TOO_MANY_FROM_ADDRESS',
      scope === 'total' ? `at most ${max} live pages; close one and reload` : `at most ${max} live pages from one computer; close one`,
      { max },
    );
    this.status = scope === 'total' ? 503 : 429;
  }
  override headers(): Record<string, string> {
    return { 'retry-after': '10' };
  }
}

export interface SseHubOptions {
  /** Bytes a client may lag behind before it is dropped. Default 256 KiB. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** The reconnect delay the browser is told (`retry:`). Default 2000. */
  retryMs?: number;
  maxClients?: number;
  maxClientsPerAddress?: number;
  /** How often each stream's session is checked again. Default 5000. */
  recheckMs?: number;
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

interface Client {
  address: string;
  stillValid: () => boolean;
}

export class SseHub {
  private readonly clients = new Map<ServerResponse, Client>();
  private heartbeat: TimerHandle | null = null;
  private recheck: TimerHandle | null = null;
  private readonly maxBufferedBytes: number;
  private readonly retryMs: number;
  private readonly maxClients: number;
  private readonly maxClientsPerAddress: number;
  private readonly clock: Clock;
  private readonly logger: AlarmLogger;
  /** Clients dropped for falling behind. */
  dropped = 0;

  constructor(private readonly opts: SseHubOptions = {}) {
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 256 * 1024;
    this.retryMs = opts.retryMs ?? 2000;
    this.maxClients = opts.maxClients ?? 100;
    this.maxClientsPerAddress = opts.maxClientsPerAddress ?? 10;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentAlarmLogger;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  start(): void {
    this.heartbeat ??= this.clock.setInterval(() => this.sendRaw(': heartbeat\n\n'), this.opts.heartbeatMs ?? 15_000).unref();
    this.recheck ??= this.clock.setInterval(() => this.endInvalid(), this.opts.recheckMs ?? 5000).unref();
  }

  /** Ends the streams whose session or token is no longer valid. */
  endInvalid(): void {
    for (const [res, c] of this.clients) {
      if (c.stillValid()) continue;
      this.clients.delete(res);
      res.end(`event: signed-out\ndata: {}\n\n`);
    }
  }

  /** Takes over the response as an event stream and sends `initial` first. */
  attach(req: IncomingMessage, res: ServerResponse, initial: readonly SseMessage[], stillValid: () => boolean = () => true): void {
    const address = addressOf(req);
    if (this.clients.size >= this.maxClients) throw new TooManyStreamsError('total', this.maxClients);
    let fromAddress = 0;
    for (const c of this.clients.values()) if (c.address === address) fromAddress += 1;
    if (fromAddress >= this.maxClientsPerAddress) throw new TooManyStreamsError('address', this.maxClientsPerAddress);
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.clients.set(res, { address, stillValid });
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
    this.recheck?.cancel();
    this.recheck = null;
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  private sendRaw(frame: string): void {
    for (const res of this.clients.keys()) this.write(res, frame);
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
