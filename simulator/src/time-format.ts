/** Device-local timestamp formats used by the wire emitters. */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The wall-clock fields of `ms` shifted by `utcOffsetMinutes` (the device's local time). */
function local(ms: number, utcOffsetMinutes: number): Date {
  return new Date(ms + utcOffsetMinutes * 60_000);
}

/** HL7 DTM with milliseconds and offset: `YYYYMMDDHHMMSS.SSS+ZZZZ`. */
export function hl7Timestamp(ms: number, utcOffsetMinutes = 0): string {
  const d = local(ms, utcOffsetMinutes);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** The Masimo-style `MM/DD/YY HH:MM:SS` local time, truncated to the second. */
export function asciiTimestamp(ms: number, utcOffsetMinutes = 0): string {
  const d = local(ms, utcOffsetMinutes);
  return (
    `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}
