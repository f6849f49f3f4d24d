/**
 * Is the system clock synchronized? Readings, alarm events and the audit carry this
 * machine's time; a drifting clock puts them at the wrong place in a patient's record.
 * Asked of systemd-timesyncd (`timedatectl show`) first, then chrony (`chronyc tracking`);
 * a box with neither (or without systemd running) cannot tell, which is a WARN.
 */
import { spawnSync } from 'node:child_process';
import { fail, ok, warn, type CheckResult } from './types.js';

const TOOL_TIMEOUT_MS = 3000;

export interface ToolAnswer {
  /** null: the tool is missing or did not answer (not installed, no systemd, timeout). */
  stdout: string | null;
  error: string | null;
}

function run(cmd: string, args: string[]): ToolAnswer {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    return { stdout: null, error: code === 'ENOENT' ? 'not installed' : (code ?? res.error.message) };
  }
  if (res.status !== 0) return { stdout: null, error: shortReason(res.stderr, res.status) };
  return { stdout: res.stdout, error: null };
}

/** The first line of a tool's complaint, short enough for the table. */
function shortReason(stderr: string, status: number | null): string {
  if (/not been booted with systemd/.test(stderr)) return 'systemd is not running';
  const line = stderr.trim().split('\n')[0] ?? '';
  return line === '' ? `exit ${status}` : line.slice(0, 60);
}

/** `timedatectl show`: `NTPSynchronized=yes|no`, `NTP=yes|no` (whether a sync service is enabled). */
export function parseTimedatectl(out: string): { synchronized: boolean; ntpEnabled: boolean | null } | null {
  const value = (key: string) => new RegExp(`^${key}=(\\S*)$`, 'm').exec(out)?.[1] ?? null;
  const synced = value('NTPSynchronized');
  if (synced === null) return null;
  const ntp = value('NTP');
  return { synchronized: synced === 'yes', ntpEnabled: ntp === null ? null : ntp === 'yes' };
}

/** `chronyc tracking`: `Leap status : Normal` when synchronized, and the offset in `System time`. */
export function parseChronyTracking(out: string): { synchronized: boolean; offsetS: number | null } | null {
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(out)?.[1]?.trim() ?? null;
  if (leap === null) return null;
  const sys = /^System time\s*:\s*([\d.]+) seconds (slow|fast)/m.exec(out);
  const offsetS = sys ? Number(sys[1]) * (sys[2] === 'slow' ? -1 : 1) : null;
  return { synchronized: leap !== 'Not synchronised', offsetS };
}

export function checkClockSync(): CheckResult {
  const tried: string[] = [];
  const td = run('timedatectl', ['show']);
  const tdParsed = td.stdout === null ? null : parseTimedatectl(td.stdout);
  if (tdParsed) {
    if (tdParsed.synchronized) return ok('clock.sync', 'synchronized (timedatectl: NTPSynchronized=yes)', { data: { tool: 'timedatectl', ...tdParsed } });
    // Not yet synchronized: chrony may still know better (timesyncd off, chrony on).
    tried.push(`timedatectl: NTPSynchronized=no${tdParsed.ntpEnabled === false ? ', NTP=no' : ''}`);
  } else tried.push(`timedatectl: ${td.error ?? 'no NTPSynchronized line'}`);

  const ch = run('chronyc', ['tracking']);
  const chParsed = ch.stdout === null ? null : parseChronyTracking(ch.stdout);
  if (chParsed) {
    if (chParsed.synchronized) return ok('clock.sync', `synchronized (chrony${chParsed.offsetS === null ? '' : `, offset ${chParsed.offsetS} s`})`, { data: { tool: 'chronyc', ...chParsed } });
    return fail('clock.sync', `not synchronized (chronyc: Leap status Not synchronised; ${tried.join('; ')})`, 'let chrony reach its servers: check /etc/chrony/chrony.conf (the hospital\'s NTP server) and that UDP 123 is open, then "chronyc sources"', { data: { tool: 'chronyc', ...chParsed } });
  }
  tried.push(`chronyc: ${ch.error ?? 'no Leap status line'}`);
  if (tdParsed) {
    return fail('clock.sync', `not synchronized (${tried.join('; ')})`, 'enable time sync: "timedatectl set-ntp true", with the hospital\'s NTP server in /etc/systemd/timesyncd.conf (NTP=...)', { data: { tool: 'timedatectl', ...tdParsed } });
  }
  return warn('clock.sync', `cannot tell (${tried.join('; ')})`, 'install chrony (apt install chrony) and point it at the hospital\'s NTP server, or run systemd-timesyncd; until then only the skew against the cloud (clock.skew, with a cloud.url) checks the clock', { data: { tool: null } });
}
