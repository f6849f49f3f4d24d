/**
 * A real pino logger for tests that keeps every entry in memory, so a test can assert
 * what was logged (and that no secret was).
 */
import { Writable } from 'node:stream';
import pino, { type Logger as PinoLogger } from 'pino';

export interface TestLogger {
  readonly logger: PinoLogger;
  /** Every entry so far, parsed. */
  entries(): Array<Record<string, unknown> & { level: number; msg?: string }>;
  /** Every entry as its raw JSON line, for "never logged X" assertions. */
  text(): string;
}

export function createTestLogger(level: pino.Level = 'debug'): TestLogger {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  // pino writes each entry synchronously to the stream, and this stream stores it
  // synchronously: an entry is in `lines` as soon as the log call returns.
  const logger = pino({ level }, sink);
  return {
    logger,
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { level: number; msg?: string }),
    text: () => lines.join('\n'),
  };
}

/** A logger that drops everything. */
export const silentLogger: PinoLogger = pino({ level: 'silent' });
