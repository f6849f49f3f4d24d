/** The gateway CLI uses the CLI conventions shared with wardlink-cloud. */
export { EXIT, emit, exitCodeFor, processOut, reportError, table, type Out } from '@wardlink/shared';
