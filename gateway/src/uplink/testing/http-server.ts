/**
 * A real node:http (or https) server on an ephemeral port whose answers a test scripts
 * request by request: for the failure modes the real cloud cannot be made to produce on
 * demand (503 + Retry-After sequences, stalls, slow bodies, TLS).
 */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, type ServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  socket: Socket;
}

export type Handler = (req: Received, res: ServerResponse) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  port: number;
  received: Received[];
  /** Distinct TCP connections accepted so far. */
  connections: number;
  handler: Handler;
  close(): Promise<void>;
}

export async function startScriptedServer(handler: Handler, tls?: ServerOptions, port = 0): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const state: ScriptedServer = {
    url: '',
    port: 0,
    received: [],
    connections: 0,
    handler,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), socket: req.socket };
      state.received.push(received);
      void Promise.resolve(state.handler(received, res)).catch(() => res.destroy());
    });
  };
  const server: Server = tls ? createHttps(tls, onRequest) : createHttp(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    state.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `${tls ? 'https' : 'http'}://127.0.0.1:${state.port}`;
  return state;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
