/**
 * `new Date(ms).toISOString()`, the same text at a fraction of the cost: a dashboard writes
 * one per value (~500 for a ward) and toISOString was ~0.7 µs each, over half of writing a
 * ward's patients (issue 17). A ward's values of one batch fall in the same minute, so the
 * text up to the minute is made once by toISOString itself (which keeps its every rule:
 * six-digit years, dates before 1970) and only the seconds and milliseconds are written.
 * history-line.ts (IsoTimes) does the same into bytes for the history's lines: a fix to
 * one belongs in the other.
 */

/** The time range a Date holds, less a minute so that a minute's start is in it too. */
const SAFE_MS = 8.64e15 - 60_000;

let minuteStartMs = NaN;
let minutePrefix = '';

export function isoTime(ms: number): string {
  // Anything unusual (a fraction of a ms, out of range, NaN: which throws) as toISOString does.
  if (!Number.isInteger(ms) || Math.abs(ms) > SAFE_MS) return new Date(ms).toISOString();
  const inMinute = ((ms % 60_000) + 60_000) % 60_000;
  const startMs = ms - inMinute;
  if (startMs !== minuteStartMs) {
    // "YYYY-MM-DDTHH:mm:" of "YYYY-MM-DDTHH:mm:ss.sssZ"
    minutePrefix = new Date(startMs).toISOString().slice(0, -7);
    minuteStartMs = startMs;
  }
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute % 1000;
  return `${minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
