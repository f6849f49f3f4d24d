/**
 * The nurse-station page as served: the HTML document and its Content-Security-Policy.
 * Loaded on the first request for the page (nurse-station/index.ts), not at the daemon's
 * start: the page's script and style modules are ~45 KB of source that taking readings
 * and /healthz do not need.
 */
import { createHash } from 'node:crypto';
import { nurseStationPage } from './page.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

export interface PageDocument {
  html: string;
  csp: string;
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/** Only the page's own inline script and style may run, and it may talk only to the gateway. */
const CSP = `default-src 'none'; script-src ${sha256(PAGE_SCRIPT)}; style-src ${sha256(PAGE_STYLE)}; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export function pageDocument(gatewayId: string): PageDocument {
  return { html: nurseStationPage(gatewayId), csp: CSP };
}
