/** The shared hand-driven test clock. */
export { ManualClock } from '@wardlink/shared';
