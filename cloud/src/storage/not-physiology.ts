import { QualityFlag } from '@wardlink/shared';

/** Flags that say the value is not (known to be) the patient's physiology: such readings
 * are counted but kept out of report min, max and avg. A PATIENT_MISMATCH value may be
 * another patient's. CLOCK_SUSPECT is not among them: its value is real, only its device
 * timestamp was replaced. Compaction stores each block's aggregates for this mask
 * (vital_blocks.agg_mask), so reports can use them without unpacking. */
export const NOT_PHYSIOLOGY = QualityFlag.INVALID | QualityFlag.SENSOR_OFF | QualityFlag.DEMO | QualityFlag.PATIENT_MISMATCH;
