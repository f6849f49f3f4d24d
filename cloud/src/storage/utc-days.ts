/**
 * UTC day arithmetic for daily partitions. A "day" is the integer number of days since
 * 1970-01-01 UTC. Nothing here looks at a local or session time zone, so partition
 * bounds are UTC midnights whatever the server's TimeZone and whatever DST does.
 */
export const DAY_MS = 86_400_000;

/** A day given as a Date, epoch milliseconds, or an ISO date 'YYYY-MM-DD' (UTC). */
export type DayInput = Date | number | string;

export function utcDay(input: DayInput): number {
  const ms = typeof input === 'string' ? parseIsoDate(input) : input instanceof Date ? input.getTime() : input;
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: ${String(input)}`);
  return Math.floor(ms / DAY_MS);
}

function parseIsoDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return Date.parse(s);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function dayStartMs(day: number): number {
  return day * DAY_MS;
}

/** 'YYYY-MM-DD' of the day, in UTC. */
export function isoDate(day: number): string {
  return new Date(dayStartMs(day)).toISOString().slice(0, 10);
}

/** A timestamptz literal of the day's start with an explicit UTC offset. */
export function dayStartLiteral(day: number): string {
  return `${isoDate(day)} 00:00:00+00`;
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: number, to: number): number[] {
  const days: number[] = [];
  for (let d = from; d <= to; d++) days.push(d);
  return days;
}
