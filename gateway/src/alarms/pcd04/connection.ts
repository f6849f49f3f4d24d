/**
 * One MLLP connection to the alarm manager, over TCP or TLS: frames out
 * (`mllpFrame`), frames in (split on 0x1C 0x0D by the ingest's bounded parser), and one
 * `closed` call however it ends. The sender owns the policy (what to send, when to give up).
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Clock } from '@wardlink/shared';
import { BoundedDelimiterParser } from '../../ingest/framing.js';
import { deframeMllp, MLLP_DELIMITER, mllpFrame } from '../../ingest/formats/hl7/index.js';

/** TLS material (read from the files named in the config, once at start). */
export interface Pcd04Tls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name the manager's certificate must carry; default the host. */
  servername?: string;
}

export interface ConnectionTarget {
  host: string;
  port: number;
  tls: Pcd04Tls | null;
  connectTimeoutMs: number;
}

/** An answer is a short ACK: anything this large is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface ConnectionEvents {
  frame: (text: string) => void;
  /** Once, when the connection ends for any reason (`reason` for logs). */
  closed: (reason: string) => void;
}

export class MllpConnection {
  private closedOnce = false;

  private constructor(
    private readonly socket: Socket,
    private readonly events: ConnectionEvents,
  ) {
    const parser = new BoundedDelimiterParser(MLLP_DELIMITER, MAX_ANSWER_BYTES, () => this.close('answer too large'));
    socket.pipe(parser);
    parser.on('data', (frame: Buffer) => {
      let text: string;
      try {
        text = deframeMllp(frame, MAX_ANSWER_BYTES);
      } catch {
        return; // noise between frames, or a frame with no MSH: nothing answers anything
      }
      events.frame(text);
    });
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close('closed by the alarm manager'));
  }

  /** Resolves once connected (and, with TLS, once the manager's certificate is verified). */
  static open(target: ConnectionTarget, events: ConnectionEvents, clock: Clock): Promise<MllpConnection> {
    return new Promise((resolve, reject) => {
      const socket = target.tls
        ? tlsConnect({ host: target.host, port: target.port, minVersion: 'TLSv1.2', ...serverName(target), ...withTls(target.tls) })
        : tcpConnect({ host: target.host, port: target.port });
      socket.setNoDelay(true);
      const timer = clock.setTimeout(() => fail(new Error(`no connection within ${target.connectTimeoutMs} ms`)), target.connectTimeoutMs);
      const fail = (err: Error) => {
        timer.cancel();
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        timer.cancel();
        socket.off('error', fail);
        resolve(new MllpConnection(socket, events));
      });
    });
  }

  get open(): boolean {
    return !this.closedOnce;
  }

  send(message: string): void {
    this.socket.write(mllpFrame(message));
  }

  close(reason = 'closed by the gateway'): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.socket.destroy();
    this.events.closed(reason);
  }
}

/** SNI and the name checked: the configured one, else the host unless it is an address
 * (SNI never carries an IP; node then checks the certificate against the address). */
function serverName(target: ConnectionTarget): ConnectionOptions {
  const name = target.tls?.servername ?? (isIP(target.host) ? undefined : target.host);
  return name === undefined ? {} : { servername: name };
}

function withTls(tls: Pcd04Tls): ConnectionOptions {
  return { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) };
}
