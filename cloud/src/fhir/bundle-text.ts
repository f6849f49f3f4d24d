/**
 * A searchset Bundle written as text, piece by piece, so a page is sent while it is
 * read: the head, each entry, then the links (known only at the end: whether there is a
 * next page). FHIR JSON has no empty arrays, so "entry" opens with the first entry.
 */
import type { FhirObservation } from './observation.js';

export interface BundleLink {
  relation: 'self' | 'next';
  url: string;
}

export class BundleText {
  private entries = 0;

  constructor(private readonly base: string) {}

  head(timestamp: Date): string {
    return `{"resourceType":"Bundle","type":"searchset","timestamp":${JSON.stringify(timestamp.toISOString())}`;
  }

  entry(resource: FhirObservation): string {
    const text = `${this.entries === 0 ? ',"entry":[' : ','}{"fullUrl":${JSON.stringify(`${this.base}/Observation/${resource.id}`)},"resource":${JSON.stringify(resource)},"search":{"mode":"match"}}`;
    this.entries++;
    return text;
  }

  /** An OperationOutcome entry: the page broke off after its first entries. */
  outcome(resource: Record<string, unknown>): string {
    const text = `${this.entries === 0 ? ',"entry":[' : ','}{"resource":${JSON.stringify(resource)},"search":{"mode":"outcome"}}`;
    this.entries++;
    return text;
  }

  tail(links: BundleLink[]): string {
    return `${this.entries > 0 ? ']' : ''},"link":${JSON.stringify(links)}}`;
  }

  get count(): number {
    return this.entries;
  }
}
