/** Positions of the catalog metrics in the simulator's per-tick value rows. */
import { METRIC_IDS, type MetricId } from '@wardlink/shared';

export const METRIC_COUNT = METRIC_IDS.length;

export const IDX = Object.fromEntries(METRIC_IDS.map((id, i) => [id, i])) as Readonly<Record<MetricId, number>>;

/** The value written for an invalid reading or a sensor that is off. */
export const INVALID_MARKER = -999;
