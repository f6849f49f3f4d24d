/**
 * The query of a report request. A report covers whole UTC days, so it is asked for by
 * calendar date (?date=2026-03-01, daily) or ISO 8601 week (?week=2026-W10, weekly: Monday
 * to Sunday, the week numbering hospitals' rosters use), never by free times: a report of
 * a day is the same report on every machine and in every time zone. Every refusal is a
 * 400 with a stable code: WL_API_INVALID_TIME for a date or week that is malformed or does
 * not exist, WL_API_INVALID_PARAMETER for an unknown format.
 */
import { InvalidParameterError } from '@wardlink/shared';

export type ReportFormat = 'csv' | 'ndjson';

export interface ReportPeriod {
  /** The first instant of the report, 00:00Z of its first day. */
  from: Date;
  /** The first instant after it (the range is [from, to)). */
  to: Date;
  /** The label of the period, as asked: 2026-03-01 or 2026-W10. */
  label: string;
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEK = /^(\d{4})-W(\d{2})$/;

export function parseReportFormat(raw: string | null): ReportFormat {
  if (raw === null || raw === 'csv') return 'csv';
  if (raw === 'ndjson') return 'ndjson';
  throw new InvalidParameterError('WL_API_INVALID_PARAMETER', 'format', 'format must be csv (the default) or ndjson', { value: raw.slice(0, 64) });
}

/** ?date=YYYY-MM-DD: [that day 00:00Z, the next day 00:00Z). */
export function parseReportDate(raw: string | null): ReportPeriod {
  const m = raw === null ? null : DATE.exec(raw);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over to March 2: only a date that round-trips exists.
  if (raw === null || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== raw) {
    throw new InvalidParameterError(
      'WL_API_INVALID_TIME',
      'date',
      `date must be a calendar date YYYY-MM-DD (a UTC day), e.g. 2026-03-01${raw === null ? ' (it is required)' : ''}`,
      raw === null ? {} : { value: raw.slice(0, 64) },
    );
  }
  return { from: new Date(ms), to: new Date(ms + DAY_MS), label: raw };
}

/** ?week=YYYY-Www (ISO 8601): [its Monday 00:00Z, the next Monday 00:00Z). */
export function parseReportWeek(raw: string | null): ReportPeriod {
  const m = raw === null ? null : WEEK.exec(raw);
  const monday = m ? isoWeekMonday(Number(m[1]), Number(m[2])) : undefined;
  if (raw === null || monday === undefined) {
    throw new InvalidParameterError(
      'WL_API_INVALID_TIME',
      'week',
      `week must be an ISO 8601 week YYYY-Www (01 to 52 or 53), e.g. 2026-W10${raw === null ? ' (it is required)' : ''}`,
      raw === null ? {} : { value: raw.slice(0, 64) },
    );
  }
  return { from: new Date(monday), to: new Date(monday + 7 * DAY_MS), label: raw };
}

/** The Monday of ISO week `week` of `year`, UTC ms; undefined when the year has no such
 * week. Week 1 is the week holding January 4th, and a week belongs to the year of its
 * Thursday, so a year has 53 weeks exactly when the Thursday of week 53 is still in it. */
export function isoWeekMonday(year: number, week: number): number | undefined {
  if (year < 1970 || week < 1 || week > 53) return undefined; // Date.UTC maps years 0-99 to 19xx
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const monday = mondayOfWeek1 + (week - 1) * 7 * DAY_MS;
  return new Date(monday + 3 * DAY_MS).getUTCFullYear() === year ? monday : undefined;
}
