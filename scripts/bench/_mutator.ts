/**
 * A byte-level mutator for fuzzing: takes a valid input of a corpus and applies 1-8
 * random edits (bit flips, byte changes, inserted protocol tokens, deletions,
 * duplications, splices from another corpus input, truncation). Seeded: a failing input
 * is reproduced from the seed and its index.
 */
import { mulberry32 } from '@wardlink/simulator';

const TOKENS = ['|', '^', '~', '\\', '&', '\r', '\n', '\r\n', '=', '%', '-', '.', ' ', '0', '9', '-999', '1e400', 'NaN', '-0', '99999999999999999999', 'MSH|^~\\&|', 'OBX|', 'OBR|', 'PID|', '\\F\\', '\\X0D\\', '\\.br\\', '{', '}', '"', ':', ',', '[', ']', 'null', 'true', '__proto__', 'constructor', '\u0000', '\u000b', '\u001c', '\u001c\r', '\uffff', '\ud800', 'é', 'SENSOR_OFF', 'DEMO', '2026', '20261205023000.0000+0000'].map((t) => Buffer.from(t, 'utf8'));

export class Mutator {
  private readonly rand: () => number;

  constructor(
    private readonly corpus: readonly Buffer[],
    seed: number,
  ) {
    this.rand = mulberry32(seed);
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  next(): Buffer {
    let b: Buffer = Buffer.from(this.corpus[this.int(this.corpus.length)]!);
    const edits = 1 + this.int(8);
    for (let e = 0; e < edits; e++) b = this.edit(b);
    return b;
  }

  private edit(b: Buffer): Buffer {
    return Buffer.from(this.editOnce(b));
  }

  private editOnce(b: Buffer): Buffer {
    const at = this.int(b.length + 1);
    switch (this.int(8)) {
      case 0: {
        if (b.length === 0) return b;
        const c = Buffer.from(b);
        c[at % b.length]! ^= 1 << this.int(8);
        return c;
      }
      case 1: {
        if (b.length === 0) return b;
        const c = Buffer.from(b);
        c[at % b.length] = this.int(256);
        return c;
      }
      case 2:
      case 3:
        return Buffer.concat([b.subarray(0, at), TOKENS[this.int(TOKENS.length)]!, b.subarray(at)]);
      case 4:
        return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + this.int(16)))]);
      case 5: {
        const len = 1 + this.int(64);
        return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
      }
      case 6: {
        const other = this.corpus[this.int(this.corpus.length)]!;
        const from = this.int(other.length + 1);
        return Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + this.int(200))]);
      }
      default:
        return b.subarray(0, at);
    }
  }
}
