/**
 * The daemon's one pino logger. Libraries receive it (or a child) by injection.
 * Secrets are redacted by path as a second line of defence; config hides them already.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'wardlink-gateway', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization'], censor: '***' },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
