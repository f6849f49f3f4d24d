/**
 * Who is in which bed, and every change of it (`admissions` and `admission_events`,
 * registry-003). Each change is ONE transaction: the admission rows and their audit rows
 * together; the caller updates its in-memory view only after the commit. A patient is in
 * at most one bed: assigning them to a bed ends their stay in any other.
 *
 * Writes run on the daemon's main connection, which also drives MQTT, HL7 and the alarm
 * engine: they wait at most `busyWaitMs` for a lock the CLI holds (SQLite's busy_timeout),
 * never the connection's seconds. The callers answer a busy database with a retry (an
 * HL7 AE for the interface engine, the next record for a monitor).
 */
import type Database from 'better-sqlite3';
import { NotFoundError } from '@wardlink/shared';

export type AdmissionSource = 'cli' | 'device' | 'adt';
export const ADMISSION_SOURCES: readonly AdmissionSource[] = ['cli', 'device', 'adt'];

export type AdmissionAction = 'admit' | 'transfer-in' | 'transfer-out' | 'discharge' | 'cancel-admit' | 'cancel-discharge' | 'cancel-transfer';

export interface AdmissionEvent {
  id: number;
  atMs: number;
  recordedAtMs: number;
  bedId: string;
  patientId: string | null;
  previousPatientId: string | null;
  action: AdmissionAction;
  source: AdmissionSource;
  reference: string | null;
  detail: string | null;
}

export interface OpenAdmission {
  bedId: string;
  patientId: string;
  admittedAtMs: number;
  source: AdmissionSource;
}

export interface ChangeOptions {
  source: AdmissionSource;
  atMs: number;
  /** ADT MSH-10 and trigger, the device id, or who used the CLI. */
  reference?: string | null;
  detail?: string | null;
  /** Longest wait for another process's write lock, ms. */
  busyWaitMs?: number;
}

/** What an assignment or a vacating did; `changed` false when it was already so. */
export interface ChangeResult {
  changed: boolean;
  bedId: string;
  patientId: string | null;
  previousPatientId: string | null;
}

const DEFAULT_BUSY_WAIT_MS = 100;

export class AdmissionLedger {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      openOfBed: db.prepare('SELECT patient_id, admitted_at_ms, source FROM admissions WHERE bed_id = ? AND discharged_at_ms IS NULL'),
      openOfPatient: db.prepare('SELECT bed_id FROM admissions WHERE patient_id = ? AND discharged_at_ms IS NULL'),
      close: db.prepare('UPDATE admissions SET discharged_at_ms = ? WHERE bed_id = ? AND discharged_at_ms IS NULL'),
      open: db.prepare('INSERT INTO admissions (bed_id, patient_id, admitted_at_ms, source) VALUES (?, ?, ?, ?)'),
      bed: db.prepare('SELECT 1 FROM beds WHERE bed_id = ?'),
      audit: db.prepare(
        `INSERT INTO admission_events (at_ms, recorded_at_ms, bed_id, patient_id, previous_patient_id, action, source, reference, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * Puts `patientId` in `bedId`: whoever was in the bed is discharged, and the patient's stay
   * in another bed ends (a transfer). `action` says what the source called it.
   */
  assign(bedId: string, patientId: string, action: 'admit' | 'transfer-in' | 'cancel-discharge', opts: ChangeOptions): ChangeResult {
    return this.write(opts, () => {
      if (this.s.bed.get(bedId) === undefined) throw new NotFoundError('bed', bedId);
      const current = this.s.openOfBed.get(bedId) as { patient_id: string } | undefined;
      if (current?.patient_id === patientId) return { changed: false, bedId, patientId, previousPatientId: patientId };
      // One bed per patient: their stay elsewhere ends with this one.
      for (const other of this.s.openOfPatient.all(patientId) as { bed_id: string }[]) {
        this.s.close.run(opts.atMs, other.bed_id);
        this.audit(other.bed_id, null, patientId, 'transfer-out', opts, `to ${bedId}`);
      }
      if (current) {
        this.s.close.run(opts.atMs, bedId);
        this.audit(bedId, null, current.patient_id, 'discharge', opts, `replaced by ${patientId}`);
      }
      this.s.open.run(bedId, patientId, opts.atMs, opts.source);
      this.audit(bedId, patientId, current?.patient_id ?? null, action, opts, opts.detail ?? null);
      return { changed: true, bedId, patientId, previousPatientId: current?.patient_id ?? null };
    });
  }

  /**
   * Empties `bedId`. With `onlyPatient`, only if that patient is the one there (an ADT
   * discharge of someone no longer in the bed changes nothing).
   */
  vacate(bedId: string, action: 'discharge' | 'transfer-out' | 'cancel-admit' | 'cancel-transfer', opts: ChangeOptions & { onlyPatient?: string }): ChangeResult {
    return this.write(opts, () => {
      if (this.s.bed.get(bedId) === undefined) throw new NotFoundError('bed', bedId);
      const current = this.s.openOfBed.get(bedId) as { patient_id: string } | undefined;
      if (!current || (opts.onlyPatient !== undefined && current.patient_id !== opts.onlyPatient)) {
        return { changed: false, bedId, patientId: null, previousPatientId: current?.patient_id ?? null };
      }
      this.s.close.run(opts.atMs, bedId);
      this.audit(bedId, null, current.patient_id, action, opts, opts.detail ?? null);
      return { changed: true, bedId, patientId: null, previousPatientId: current.patient_id };
    });
  }

  /** The bed a patient is in now, if any. */
  bedOf(patientId: string): string | undefined {
    return (this.s.openOfPatient.get(patientId) as { bed_id: string } | undefined)?.bed_id;
  }

  openAdmissions(): OpenAdmission[] {
    const rows = this.db.prepare('SELECT bed_id, patient_id, admitted_at_ms, source FROM admissions WHERE discharged_at_ms IS NULL ORDER BY bed_id').all() as {
      bed_id: string;
      patient_id: string;
      admitted_at_ms: number;
      source: AdmissionSource;
    }[];
    return rows.map((r) => ({ bedId: r.bed_id, patientId: r.patient_id, admittedAtMs: r.admitted_at_ms, source: r.source }));
  }

  /** The audit trail, newest first. */
  history(filter: { bedId?: string; patientId?: string; limit?: number } = {}): AdmissionEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.bedId !== undefined) {
      where.push('bed_id = ?');
      args.push(filter.bedId);
    }
    if (filter.patientId !== undefined) {
      where.push('(patient_id = ? OR previous_patient_id = ?)');
      args.push(filter.patientId, filter.patientId);
    }
    const sql = `SELECT * FROM admission_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at_ms DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 100) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      atMs: r.at_ms as number,
      recordedAtMs: r.recorded_at_ms as number,
      bedId: r.bed_id as string,
      patientId: r.patient_id as string | null,
      previousPatientId: r.previous_patient_id as string | null,
      action: r.action as AdmissionAction,
      source: r.source as AdmissionSource,
      reference: r.reference as string | null,
      detail: r.detail as string | null,
    }));
  }

  private audit(bedId: string, patientId: string | null, previous: string | null, action: AdmissionAction, opts: ChangeOptions, detail: string | null): void {
    this.s.audit.run(opts.atMs, this.now(), bedId, patientId, previous, action, opts.source, opts.reference ?? null, detail);
  }

  /** One IMMEDIATE transaction, waiting at most `busyWaitMs` for another process's lock. */
  private write(opts: ChangeOptions, fn: () => ChangeResult): ChangeResult {
    const previous = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS))}`);
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma(`busy_timeout = ${previous}`);
    }
  }
}
