/** The simulator's own errors; callers branch on `code`. */
import { WardlinkError } from '@wardlink/shared';

/** An option given to the simulator breaks its rule. Names the option. */
export class SimulatorOptionError extends WardlinkError {
  constructor(option: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_SIM_OPTION', `simulator: ${option} ${rule}${shown}`, { option });
  }
}

/** A bed id that the ward does not have. */
export class UnknownBedError extends WardlinkError {
  constructor(bedId: string, beds: number) {
    super('WL_SIM_UNKNOWN_BED', `simulator: no bed "${bedId}" in this ward of ${beds} beds; bed ids run bed-01..`, { bedId });
  }
}
