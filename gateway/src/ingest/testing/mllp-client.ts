/** A real MLLP peer for tests: a monitor's (or an interface engine's) side of the socket. */
import { connect, type Socket } from 'node:net';
import { mllpFrame } from '../formats/hl7/mllp.js';

/** A real MLLP client: sends frames, collects ACK frames. */
export class MllpClient {
  private buffer = Buffer.alloc(0);
  readonly acks: string[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      let end: number;
      while ((end = this.buffer.indexOf(Buffer.from([0x1c, 0x0d]))) >= 0) {
        this.acks.push(this.buffer.subarray(1, end).toString('utf8'));
        this.buffer = this.buffer.subarray(end + 2);
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  /** Sends one message (segments joined by \r) in an MLLP frame. */
  send(message: string): void {
    this.socket.write(mllpFrame(message));
  }

  /** Sends a message and waits for its ACK; returns the ACK's MSA fields. */
  async request(message: string, timeoutMs = 5000): Promise<string[]> {
    const before = this.acks.length;
    this.send(message);
    const acks = await this.waitForAcks(before + 1, timeoutMs);
    return msa(acks[before]!);
  }

  static async open(port: number): Promise<MllpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new MllpClient(socket);
  }
  async waitForAcks(n: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.acks.length} of ${n} ACKs arrived`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.acks;
  }
}

export function msa(ack: string): string[] {
  const seg = ack.split('\r').find((s) => s.startsWith('MSA|'));
  return seg ? seg.split('|') : [];
}
