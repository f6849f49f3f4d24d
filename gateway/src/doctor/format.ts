/**
 * The doctor's human output: one row per check (status, code, subject, what was found),
 * each WARN or FAIL followed by its remedy, then a one-line verdict.
 */
import { table } from '@wardlink/shared';
import type { DoctorReport } from './types.js';

/** Long findings are cut in the table; --json has them whole. */
const MAX_DETAIL = 130;

export function formatReport(report: DoctorReport): string {
  const rows = report.checks.map((c) => ({
    status: c.status,
    check: c.code,
    subject: c.subject ?? '',
    detail: c.detail.length > MAX_DETAIL ? `${c.detail.slice(0, MAX_DETAIL - 1)}…` : c.detail,
  }));
  const remedies = report.checks
    .filter((c) => c.remedy !== null)
    .map((c) => `${c.status} ${c.code}${c.subject === null ? '' : ` ${c.subject}`}: ${c.remedy}`);
  const verdict =
    report.status === 'OK'
      ? `all ${report.checks.length} checks OK`
      : `${report.counts.FAIL} FAIL, ${report.counts.WARN} WARN, ${report.counts.OK} OK`;
  return [
    `wardlink-gateway doctor: ${report.gatewayId ?? '(no valid config)'} (${report.configPath})`,
    '',
    table(rows, ['status', 'check', 'subject', 'detail']),
    ...(remedies.length === 0 ? [] : ['', 'what to do:', ...remedies.map((r) => `  ${r}`)]),
    '',
    verdict,
  ].join('\n');
}
