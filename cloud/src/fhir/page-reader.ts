/**
 * Cuts a sorted stream of readings into one page of Observations: at most `count`, and
 * the key of the last reading sent when more follow (the next page starts after it).
 * A blood pressure split across two reads of the source stays one Observation.
 */
import type { FhirRow } from './fhir-row.js';
import type { RowKey } from './fhir-sql.js';
import { ObservationGrouper, type ObservationUnit } from './grouping.js';

export class PageReader {
  private readonly grouper = new ObservationGrouper();
  private sent = 0;
  private lastKey: RowKey | undefined;
  /** Set once the page is full and more Observations follow. */
  next: RowKey | undefined;

  constructor(private readonly count: number) {}

  /** The units of `rows` that belong on this page. */
  push(rows: FhirRow[]): ObservationUnit[] {
    return this.take(this.grouper.push(rows), true);
  }

  /** The last units, once the source ended. */
  finish(): ObservationUnit[] {
    return this.next !== undefined ? [] : this.take(this.grouper.flush(), false);
  }

  get full(): boolean {
    return this.next !== undefined;
  }

  private take(units: ObservationUnit[], moreMayFollow: boolean): ObservationUnit[] {
    if (this.next !== undefined) return [];
    const room = this.count - this.sent;
    const page = units.slice(0, room);
    this.sent += page.length;
    const last = page.at(-1)?.rows.at(-1);
    if (last !== undefined) this.lastKey = { patientId: last.patient_id, t: last.t, gatewayId: last.gateway_id, deviceId: last.device_id, metric: last.metric };
    // Full with something after it: the rest of this read, or the unit still open.
    if (this.sent === this.count && (units.length > room || moreMayFollow)) this.next = this.lastKey;
    return page;
  }
}
