/**
 * The daemon's one pino logger, created once by the CLI (`serve`, and the admin
 * commands); libraries and the service receive it, or a child, by injection.
 * Secrets are redacted by path as a second line of defence: tokens and connection
 * strings are never put in a log object in the first place.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name: 'wardlink-cloud',
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'connectionString'],
        censor: '***',
      },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
