/**
 * The doctor reads the gateway's database READ-ONLY and only if it exists. Unlike `status`
 * it never creates or migrates it: a technician often runs the doctor as root on a new
 * box, and a database (or WAL) file created by root is one the service user cannot write,
 * which would be a fault the doctor made itself.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { GatewayConfig } from '../config/schema.js';
import { Registry } from '../registry/registry.js';
import type { Device } from '../registry/types.js';
import { fail, ok, warn, type CheckResult } from './types.js';

export interface DatabaseFacts {
  devices: Device[];
  patientOf: (bedId: string) => string | null;
  /** Bytes of database pages in use, as the byte cap counts them. */
  usedBytes: number;
  storedReadings: number;
}

export interface DatabaseOutcome {
  facts: DatabaseFacts;
  result: CheckResult;
}

const EMPTY: DatabaseFacts = { devices: [], patientOf: () => null, usedBytes: 0, storedReadings: 0 };

export function readDatabase(config: GatewayConfig): DatabaseOutcome {
  const path = config.databasePath;
  if (!existsSync(path)) {
    return { facts: EMPTY, result: warn('database', `${path} does not exist yet: no beds or devices registered`, 'register beds and devices (wardlink-gateway bed add, device add) as the service user; the daemon also creates it at first start', { subject: path }) };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const registry = new Registry(db);
    const devices = registry.listDevices();
    const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
    const usedBytes = pages * Number(db.pragma('page_size', { simple: true }));
    const storedReadings = Number((db.prepare('SELECT coalesce(sum(n), 0) AS n FROM reading_records').get() as { n: number }).n);
    const beds = Number((db.prepare('SELECT count(*) AS n FROM beds').get() as { n: number }).n);
    // Registry caches what it read: the patient lookups below need no open connection.
    const facts: DatabaseFacts = { devices, patientOf: (bedId) => registry.patientOf(bedId), usedBytes, storedReadings };
    return { facts, result: ok('database', `${beds} bed(s), ${devices.length} device(s) registered, ${storedReadings} readings buffered`, { subject: path, data: { beds, devices: devices.length, storedReadings, usedBytes } }) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown';
    return {
      facts: EMPTY,
      result: fail('database', `${path} cannot be read (${code}: ${(err as Error).message})`, 'check its owner and mode (the service user must own it), and that it was created by this version ("wardlink-gateway status" as the service user migrates it)', { subject: path, data: { error: code } }),
    };
  } finally {
    db?.close();
  }
}
