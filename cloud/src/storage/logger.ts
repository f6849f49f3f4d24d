import type { BaseLogger } from 'pino';

/** The logger the storage layer is given (a pino logger or child). It never creates one. */
export type Logger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
