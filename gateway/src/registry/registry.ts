/**
 * The ward registry: beds, devices and admissions, in SQLite, cached in memory.
 *
 * The CLI and the daemon are separate processes sharing one database file. The daemon
 * notices the CLI's commits through `PRAGMA data_version` (it changes whenever another
 * connection commits) and reloads, so a change takes effect without a restart.
 */
import { isIP } from 'node:net';
import type Database from 'better-sqlite3';
import { AlreadyExistsError, NotFoundError, UsageError, type VendorCodeMap } from '@wardlink/shared';
import { AdmissionLedger, type AdmissionSource } from './admissions.js';
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
  allowed_peers: string;
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
  allowedPeers?: string[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function checkId(kind: string, id: string): void {
  if (!ID.test(id)) throw new UsageError(`${kind} id "${id}" must be 1-64 letters, digits, '.', '_', ':' or '-'`, { kind, id });
}

function checkPeers(peers: string[]): string[] {
  const bad = peers.find((p) => isIP(p) === 0);
  if (bad !== undefined) throw new UsageError(`allowed peer "${bad.slice(0, 60)}" is not an IP address`);
  return [...new Set(peers)];
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
    allowedPeers: JSON.parse(r.allowed_peers) as string[],
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
  private loads = 0;

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

  /**
   * Counts the reloads of the caches. A consumer that acts on registry changes compares it
   * with the last one it acted on: several callers refresh (the MQTT broker's auth, the
   * HL7 receivers, the daemon's tick), and only the first to look sees refreshIfChanged()
   * return true.
   */
  get generation(): number {
    return this.loads;
  }

  reload(): void {
    this.loads++;
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
           utc_offset_minutes, mqtt_username, password_hash, allowed_peers, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        JSON.stringify(checkPeers(d.allowedPeers ?? [])),
        this.now(),
      );
    this.reload();
    return this.requireDevice(d.deviceId);
  }

  /** The addresses a tcp-hl7 device's messages may come from; an empty list allows any. */
  setAllowedPeers(deviceId: string, peers: string[]): Device {
    this.requireDevice(deviceId);
    this.db.prepare('UPDATE devices SET allowed_peers = ? WHERE device_id = ?').run(JSON.stringify(checkPeers(peers)), deviceId);
    this.reload();
    return this.requireDevice(deviceId);
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

  // ---- admissions (admissions.ts: one transaction per change, with its audit rows)
  /** The patient currently admitted to the bed, from the in-memory cache. */
  patientOf(bedId: string): string | null {
    return this.patientByBed.get(bedId) ?? null;
  }

  /** The ledger of admissions and their audit trail. */
  get admissions(): AdmissionLedger {
    return (this.ledger ??= new AdmissionLedger(this.db, this.now));
  }

  private ledger: AdmissionLedger | undefined;

  /**
   * Admits a patient to a bed, discharging whoever was there (and ending the patient's stay
   * in another bed). Idempotent for the same patient. The cache changes only after the
   * commit. `busyWaitMs`: how long to wait for another process's lock (the CLI waits; the
   * daemon's ingest path must not).
   */
  admit(bedId: string, patientId: string, source: AdmissionSource = 'cli', atMs = this.now(), opts: { reference?: string | null; busyWaitMs?: number; action?: 'admit' | 'transfer-in' | 'cancel-discharge' } = {}): Admission {
    checkId('patient', patientId);
    const result = this.admissions.assign(bedId, patientId, opts.action ?? 'admit', { source, atMs, reference: opts.reference ?? null, busyWaitMs: opts.busyWaitMs ?? this.busyWaitMs() });
    this.reload();
    const open = this.admissions.openAdmissions().find((a) => a.bedId === bedId)!;
    if (!result.changed) return { bedId, patientId, admittedAtMs: open.admittedAtMs, dischargedAtMs: null, source: open.source };
    return { bedId, patientId, admittedAtMs: atMs, dischargedAtMs: null, source };
  }

  /** Discharges the patient of a bed. */
  discharge(bedId: string, atMs = this.now(), opts: { source?: AdmissionSource; reference?: string | null; busyWaitMs?: number } = {}): Admission {
    const open = this.admissions.openAdmissions().find((a) => a.bedId === bedId);
    if (!open) throw new NotFoundError('admission for bed', bedId);
    this.admissions.vacate(bedId, 'discharge', { source: opts.source ?? 'cli', atMs, reference: opts.reference ?? null, busyWaitMs: opts.busyWaitMs ?? this.busyWaitMs() });
    this.reload();
    return { bedId, patientId: open.patientId, admittedAtMs: open.admittedAtMs, dischargedAtMs: atMs, source: open.source };
  }

  /** Empties a bed (an ADT discharge, transfer out or cancel); with `onlyPatient`, only if
   * that patient is the one there. Returns whether anything changed. */
  vacateBed(bedId: string, action: 'discharge' | 'transfer-out' | 'cancel-admit' | 'cancel-transfer', opts: { source: AdmissionSource; atMs: number; reference?: string | null; detail?: string | null; onlyPatient?: string; busyWaitMs?: number }): boolean {
    const result = this.admissions.vacate(bedId, action, { ...opts, busyWaitMs: opts.busyWaitMs ?? this.busyWaitMs() });
    if (result.changed) this.reload();
    return result.changed;
  }

  /** The connection's own busy_timeout: a CLI command may wait that long for the daemon. */
  private busyWaitMs(): number {
    return this.db.pragma('busy_timeout', { simple: true }) as number;
  }
}
