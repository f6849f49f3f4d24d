import { WardlinkError } from '@wardlink/shared';

/** Thrown by the tests' crash hooks (ArchiveHooks) to stop a job at a chosen point. */
export class InjectedCrashError extends WardlinkError {
  constructor(point: string) {
    super('WL_TEST_CRASH', `injected crash at ${point}`, { point });
  }
}
