/**
 * The ward registry: beds, devices and admissions, in SQLite, cached in memory.
 *
 * The CLI and the daemon are separate processes sharing one database file. The daemon
 * notices the CLI's commits through `PRAGMA data_version` (it changes whenever another
 * connection commits) and reloads, so a change takes effect without a restart.
 */
import type Database from 'better-sqlite3';
import { AlreadyExistsError, NotFoundError, UsageError, type VendorCodeMap } from '@wardlink/shared';
import { DEVICE_KINDS, type Admission, type Bed, type Device, type DeviceKind } from './types.js';

interface DeviceRow {
  device_id: string;
  kind: string;
  bed_id: string;
  format: string;
  port_path: string | null;
  baud_rate: number | null;
  match_id: string | null;
  vendor_map: string;
  utc_offset_minutes: number;
  mqtt_username: string | null;
  enabled: number;
  created_at_ms: number;
}

export interface NewDevice {
  deviceId: string;
  kind: DeviceKind;
  bedId: string;
  format: string;
  portPath?: string | null;
  baudRate?: number | null;
  matchId?: string | null;
  vendorMap?: VendorCodeMap;
  utcOffsetMinutes?: number;
  mqttUsername?: string | null;
  passwordHash?: string | null;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function checkId(kind: string, id: string): void {
  if (!ID.test(id)) throw new UsageError(`${kind} id "${id}" must be 1-64 letters, digits, '.', '_', ':' or '-'`, { kind, id });
}

function toDevice(r: DeviceRow): Device {
  return {
    deviceId: r.device_id,
    kind: r.kind as DeviceKind,
    bedId: r.bed_id,
    format: r.format,
    portPath: r.port_path,
    baudRate: r.baud_rate,
    matchId: r.match_id,
    vendorMap: JSON.parse(r.vendor_map) as VendorCodeMap,
    utcOffsetMinutes: r.utc_offset_minutes,
    mqttUsername: r.mqtt_username,
    enabled: r.enabled === 1,
    createdAtMs: r.created_at_ms,
  };
}

export class Registry {
  private devices = new Map<string, Device>();
  private byUsername = new Map<string, Device>();
  private byMatchId = new Map<string, Device>();
  private patientByBed = new Map<string, string>();
  private dataVersion = -1;
  private registryVersion = -1;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.reload();
  }

  /**
   * Reloads the caches if the registry changed since the last look. Cheap: a pragma, and
   * when another connection committed (the CLI, or the buffer's commit thread every few
   * ms) one indexed read of the registry's own version counter.
   */
  refreshIfChanged(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    if (this.readRegistryVersion() === this.registryVersion) return false;
    this.reload();
    return true;
  }

  private versionQuery: Database.Statement | undefined;

  private readRegistryVersion(): number {
    // Read on every commit of the buffer's commit thread: prepared once.
    this.versionQuery ??= this.db.prepare("SELECT value FROM registry_meta WHERE key = 'version'").pluck();
    return this.versionQuery.get() as number;
  }

  reload(): void {
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    this.registryVersion = this.readRegistryVersion();
    const rows = this.db.prepare('SELECT * FROM devices').all() as DeviceRow[];
    this.devices = new Map(rows.map((r) => [r.device_id, toDevice(r)]));
    this.byUsername = new Map();
    this.byMatchId = new Map();
    for (const d of this.devices.values()) {
      if (d.mqttUsername) this.byUsername.set(d.mqttUsername, d);
      if (d.matchId) this.byMatchId.set(d.matchId, d);
    }
    const open = this.db.prepare('SELECT bed_id, patient_id FROM admissions WHERE discharged_at_ms IS NULL').all() as {
      bed_id: string;
      patient_id: string;
    }[];
    this.patientByBed = new Map(open.map((a) => [a.bed_id, a.patient_id]));
  }

  // ---- beds
  addBed(bedId: string, label = bedId): Bed {
    checkId('bed', bedId);
    const bed = { bedId, label, createdAtMs: this.now() };
    try {
      this.db.prepare('INSERT INTO beds (bed_id, label, created_at_ms) VALUES (?, ?, ?)').run(bedId, label, bed.createdAtMs);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AlreadyExistsError('bed', bedId);
      throw err;
    }
    this.reload();
    return bed;
  }

  listBeds(): (Bed & { patientId: string | null; devices: string[] })[] {
    const beds = this.db.prepare('SELECT bed_id, label, created_at_ms FROM beds ORDER BY bed_id').all() as {
      bed_id: string;
      label: string;
      created_at_ms: number;
    }[];
    return beds.map((b) => ({
      bedId: b.bed_id,
      label: b.label,
      createdAtMs: b.created_at_ms,
      patientId: this.patientByBed.get(b.bed_id) ?? null,
      devices: [...this.devices.values()].filter((d) => d.bedId === b.bed_id).map((d) => d.deviceId),
    }));
  }

  hasBed(bedId: string): boolean {
    return this.db.prepare('SELECT 1 FROM beds WHERE bed_id = ?').get(bedId) !== undefined;
  }

  // ---- devices
  addDevice(d: NewDevice): Device {
    checkId('device', d.deviceId);
    if (!DEVICE_KINDS.includes(d.kind)) throw new UsageError(`device kind must be one of ${DEVICE_KINDS.join(', ')}`);
    if (!this.hasBed(d.bedId)) throw new NotFoundError('bed', d.bedId);
    if (this.devices.has(d.deviceId)) throw new AlreadyExistsError('device', d.deviceId);
    this.db
      .prepare(
        `INSERT INTO devices (device_id, kind, bed_id, format, port_path, baud_rate, match_id, vendor_map,
           utc_offset_minutes, mqtt_username, password_hash, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.deviceId,
        d.kind,
        d.bedId,
        d.format,
        d.portPath ?? null,
        d.baudRate ?? null,
        d.matchId ?? null,
        JSON.stringify(d.vendorMap ?? {}),
        d.utcOffsetMinutes ?? 0,
        d.mqttUsername ?? null,
        d.passwordHash ?? null,
        this.now(),
      );
    this.reload();
    return this.requireDevice(d.deviceId);
  }

  removeDevice(deviceId: string): void {
    const res = this.db.prepare('DELETE FROM devices WHERE device_id = ?').run(deviceId);
    if (res.changes === 0) throw new NotFoundError('device', deviceId);
    this.reload();
  }

  listDevices(): Device[] {
    return [...this.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  device(deviceId: string): Device | undefined {
    return this.devices.get(deviceId);
  }

  requireDevice(deviceId: string): Device {
    const d = this.devices.get(deviceId);
    if (!d) throw new NotFoundError('device', deviceId);
    return d;
  }

  deviceByUsername(username: string): Device | undefined {
    return this.byUsername.get(username);
  }

  deviceByMatchId(matchId: string): Device | undefined {
    return this.byMatchId.get(matchId);
  }

  passwordHash(deviceId: string): string | null {
    const row = this.db.prepare('SELECT password_hash FROM devices WHERE device_id = ?').get(deviceId) as
      | { password_hash: string | null }
      | undefined;
    return row?.password_hash ?? null;
  }

  // ---- admissions
  /** The patient currently admitted to the bed, from the in-memory cache. */
  patientOf(bedId: string): string | null {
    return this.patientByBed.get(bedId) ?? null;
  }

  /** Admits a patient to a bed, discharging whoever was there. Idempotent for the same patient. */
  admit(bedId: string, patientId: string, source: 'cli' | 'hl7' = 'cli', atMs = this.now()): Admission {
    checkId('patient', patientId);
    if (!this.hasBed(bedId)) throw new NotFoundError('bed', bedId);
    const current = this.patientByBed.get(bedId);
    if (current === patientId) {
      const row = this.db
        .prepare('SELECT admitted_at_ms FROM admissions WHERE bed_id = ? AND discharged_at_ms IS NULL')
        .get(bedId) as { admitted_at_ms: number };
      return { bedId, patientId, admittedAtMs: row.admitted_at_ms, dischargedAtMs: null, source };
    }
    this.db.transaction(() => {
      this.db.prepare('UPDATE admissions SET discharged_at_ms = ? WHERE bed_id = ? AND discharged_at_ms IS NULL').run(atMs, bedId);
      this.db
        .prepare('INSERT INTO admissions (bed_id, patient_id, admitted_at_ms, source) VALUES (?, ?, ?, ?)')
        .run(bedId, patientId, atMs, source);
    })();
    this.reload();
    return { bedId, patientId, admittedAtMs: atMs, dischargedAtMs: null, source };
  }

  /**
   * Admission learned from an HL7 PID on the ingest path. The cache changes at once, so the
   * record's readings carry the patient; the row is written without waiting for a lock
   * another process (the CLI) may hold, and retried until it lands, so ingest never blocks.
   */
  learnAdmission(bedId: string, patientId: string, atMs = this.now(), onError?: (err: unknown) => void): void {
    if (this.patientByBed.get(bedId) === patientId || !ID.test(patientId)) return;
    this.patientByBed.set(bedId, patientId);
    const attempt = (tries: number): void => {
      const previous = this.db.pragma('busy_timeout', { simple: true }) as number;
      this.db.pragma('busy_timeout = 0');
      try {
        this.admit(bedId, patientId, 'hl7', atMs);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_BUSY' && tries < 1200) {
          setTimeout(() => attempt(tries + 1), 50).unref();
        } else {
          onError?.(err);
        }
      } finally {
        this.db.pragma(`busy_timeout = ${previous}`);
      }
    };
    attempt(0);
  }

  discharge(bedId: string, atMs = this.now()): Admission {
    const row = this.db
      .prepare('SELECT patient_id, admitted_at_ms, source FROM admissions WHERE bed_id = ? AND discharged_at_ms IS NULL')
      .get(bedId) as { patient_id: string; admitted_at_ms: number; source: 'cli' | 'hl7' } | undefined;
    if (!row) throw new NotFoundError('admission for bed', bedId);
    this.db.prepare('UPDATE admissions SET discharged_at_ms = ? WHERE bed_id = ? AND discharged_at_ms IS NULL').run(atMs, bedId);
    this.reload();
    return { bedId, patientId: row.patient_id, admittedAtMs: row.admitted_at_ms, dischargedAtMs: atMs, source: row.source };
  }
}
