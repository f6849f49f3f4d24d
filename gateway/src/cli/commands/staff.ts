/**
 * `staff add|list|disable|enable|reset-pin|audit`: the people and screens that may use the
 * nurse station, /status and /metrics. A PIN (nurse, charge) or token (display, it) is
 * generated, printed once and kept only as a hash; `--pin-stdin` sets a chosen PIN instead.
 * Disabling an account or resetting its secret ends its sessions and open pages at once.
 */
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { openStaff, SECURITY_EVENT_KINDS, type IssuedSecret, type SecurityEventKind, type StaffModule } from '../../staff/index.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

const iso = (ms: number) => new Date(ms).toISOString();

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function staffOf(c: CliContext): StaffModule {
  return openStaff(c.db().db);
}

function describeSecret(issued: IssuedSecret, chosen: boolean): string {
  const s = issued.staff;
  if (chosen) return `${s.staffId} (${s.name}, ${s.role}): PIN set`;
  if (issued.kind === 'pin') return `${s.staffId} (${s.name}, ${s.role})\n  PIN: ${issued.secret}   (shown once; the nurse may change it with "staff reset-pin --pin-stdin")`;
  const use = s.role === 'display' ? `open https://<gateway>/#display-token=${issued.secret} on the screen once` : `send "Authorization: Bearer ${issued.secret}" to /status and /metrics`;
  return `${s.staffId} (${s.name}, ${s.role})\n  token: ${issued.secret}   (shown once)\n  ${use}`;
}

export function registerStaffCommands(program: Command, ctx: () => CliContext): void {
  const staff = program.command('staff').description('staff accounts for the nurse station: nurse, charge, display, it');
  staff
    .command('add <staffId>')
    .description('add an account (the badge number); prints its generated PIN or token once')
    .requiredOption('--name <name>', 'the name shown on the page and in the audit')
    .requiredOption('--role <role>', 'nurse (view, acknowledge), charge (also pause audio), display (wall screen: view), it (/status, /metrics)')
    .option('--pin-stdin', 'read a chosen PIN (6+ digits) or password (10+ characters) from stdin instead of generating one')
    .option('--by <name>', 'who added it (kept in the security audit)')
    .action(async (staffId: string, opts: { name: string; role: string; pinStdin?: boolean; by?: string }) => {
      const c = ctx();
      const pin = opts.pinStdin ? await readStdin() : undefined;
      const issued = await staffOf(c).directory.add({ staffId, name: opts.name, role: opts.role, ...(pin !== undefined ? { pin } : {}), ...(opts.by ? { by: opts.by } : {}) });
      emit(c.out, { ...issued.staff, [issued.kind]: pin === undefined ? issued.secret : undefined }, () => describeSecret(issued, pin !== undefined));
    });
  staff
    .command('list')
    .description('the accounts (never their secrets)')
    .action(() => {
      const c = ctx();
      const rows = staffOf(c).directory.list();
      emit(c.out, rows, () => table(rows.map((s) => ({ ...s, enabled: s.enabled ? 'yes' : 'DISABLED', since: iso(s.createdAtMs) })), ['staffId', 'name', 'role', 'enabled', 'since']));
    });
  for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
    staff
      .command(`${name} <staffId>`)
      .description(enabled ? 'let a disabled account sign in again' : 'stop an account at once: its sessions and open pages end within seconds')
      .option('--by <name>', 'who decided (kept in the security audit)')
      .action((staffId: string, opts: { by?: string }) => {
        const c = ctx();
        const s = staffOf(c).directory.setEnabled(staffId, enabled, opts.by);
        emit(c.out, s, () => `${s.staffId} ${enabled ? 'enabled' : 'disabled; its sessions ended'}`);
      });
  }
  staff
    .command('reset-pin <staffId>')
    .description('a new PIN (or token for display and it accounts); the old one and its sessions end at once')
    .option('--pin-stdin', 'read the chosen PIN or password from stdin')
    .option('--by <name>', 'who reset it (kept in the security audit)')
    .action(async (staffId: string, opts: { pinStdin?: boolean; by?: string }) => {
      const c = ctx();
      const pin = opts.pinStdin ? await readStdin() : undefined;
      const issued = await staffOf(c).directory.resetSecret(staffId, { ...(pin !== undefined ? { pin } : {}), ...(opts.by ? { by: opts.by } : {}) });
      emit(c.out, { ...issued.staff, [issued.kind]: pin === undefined ? issued.secret : undefined }, () => describeSecret(issued, pin !== undefined));
    });
  staff
    .command('audit')
    .description('the security audit, newest first: sign-ins, failures, lockouts, account changes, audio pauses')
    .option('--staff <staffId>', 'one account')
    .option('--kind <kind>', `one kind: ${SECURITY_EVENT_KINDS.join(', ')}`)
    .option('--since <iso>', 'from this time')
    .option('--limit <n>', 'at most this many', '100')
    .action((opts: { staff?: string; kind?: string; since?: string; limit: string }) => {
      const c = ctx();
      if (opts.kind !== undefined && !(SECURITY_EVENT_KINDS as readonly string[]).includes(opts.kind)) throw new UsageError(`--kind must be one of ${SECURITY_EVENT_KINDS.join(', ')}`);
      const sinceMs = opts.since === undefined ? 0 : Date.parse(opts.since);
      if (Number.isNaN(sinceMs)) throw new UsageError('--since must be an ISO 8601 time');
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be 1-100000');
      const events = staffOf(c).audit.list({ sinceMs, limit, ...(opts.staff ? { staffId: opts.staff } : {}), ...(opts.kind ? { kind: opts.kind as SecurityEventKind } : {}) });
      emit(c.out, events, () => table(events.map((e) => ({ ...e, at: iso(e.atMs), staffId: e.staffId ?? '', address: e.address ?? '', detail: e.detail ?? '' })), ['at', 'kind', 'staffId', 'address', 'detail']));
    });
}
