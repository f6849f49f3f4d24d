/**
 * Whose readings a record's are. The admitted patient of the device's bed is the answer
 * (registry, `admissions.source` decides who admits). A monitor may also name a patient
 * (HL7 PID-3). When it names someone else:
 *  - under `cli` or `adt`, the readings stay the admitted patient's (or nobody's), flagged
 *    PATIENT_MISMATCH, and the alarm engine raises `patient-mismatch`: wrong-patient data
 *    is one of the worst errors this system can make, and a monitor is no authority;
 *  - under `device`, the monitor's patient is admitted to the bed, persisted and audited
 *    (source device) in one transaction before the readings take the new patient. If the
 *    database is busy (the CLI holds its lock) the switch waits for the next record, and
 *    this one is kept flagged, so ingest never waits on a lock.
 */
import type { Logger } from 'pino';
import type { AdmissionSourceSetting } from '../config/admissions.js';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';

export interface RecordPatient {
  patientId: string | null;
  /** Set when the record names another patient than the one its readings are kept under. */
  namedPatientId: string | undefined;
}

/** How long the ingest path waits for a lock to persist a device's admission. */
const DEVICE_ADMIT_BUSY_WAIT_MS = 20;

export class RecordPatients {
  constructor(
    private readonly registry: Registry,
    private readonly source: () => AdmissionSourceSetting,
    private readonly logger: Logger,
  ) {}

  decide(device: Device, namedPatientId: string | undefined, atMs: number): RecordPatient {
    const admitted = this.registry.patientOf(device.bedId);
    if (namedPatientId === undefined || namedPatientId === admitted) return { patientId: admitted, namedPatientId: undefined };
    if (this.source() !== 'device') return { patientId: admitted, namedPatientId };
    try {
      this.registry.admit(device.bedId, namedPatientId, 'device', atMs, { reference: device.deviceId, busyWaitMs: DEVICE_ADMIT_BUSY_WAIT_MS });
      this.logger.info({ bed: device.bedId, device: device.deviceId, previous: admitted === null ? null : 'set' }, 'admission from the monitor (admissions.source device)');
      return { patientId: namedPatientId, namedPatientId: undefined };
    } catch (err) {
      // Busy, or a PID-3 that is no usable id: kept under the bed's patient, flagged.
      this.logger.warn({ err, bed: device.bedId, device: device.deviceId }, 'could not store the admission the monitor names; readings kept flagged PATIENT_MISMATCH');
      return { patientId: admitted, namedPatientId };
    }
  }
}
