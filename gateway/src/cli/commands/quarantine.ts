/**
 * `quarantine list|show|resend`: the batches the cloud refused for good (400, 413, 422).
 * They stay in the buffer, never retried on their own, until IT looks at them and, once
 * the cause is fixed, sends them again (same seq: the cloud's ledger still makes the
 * re-send take effect at most once).
 */
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { Outbox } from '../../buffer/outbox.js';
import { QuarantineDesk, type RequeueResult } from '../../buffer/quarantine.js';
import type { OutboxBatch } from '../../buffer/types.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

const ACTOR = /^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}$/;

function seqOf(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new UsageError('a batch sequence number must be a positive integer', { value: text });
  return Number(text);
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

function summary(batch: OutboxBatch, reason: string | null): Record<string, unknown> {
  const times = batch.readings.map((r) => r.deviceTimeMs);
  const devices = new Map<string, number>();
  for (const r of batch.readings) devices.set(r.deviceId, (devices.get(r.deviceId) ?? 0) + 1);
  return {
    seq: batch.seq,
    createdAt: iso(batch.createdAtMs),
    readings: batch.readings.length,
    alarms: batch.alarms.length,
    from: times.length ? iso(Math.min(...times)) : null,
    to: times.length ? iso(Math.max(...times)) : null,
    devices: Object.fromEntries(devices),
    reason,
  };
}

export function registerQuarantineCommands(program: Command, ctx: () => CliContext): void {
  const q = program.command('quarantine').description('batches the cloud refused for good: list, inspect, send again');

  q.command('list')
    .description('quarantined batches, oldest first, with the reason the cloud gave')
    .action(() => {
      const c = ctx();
      const list = new Outbox(c.db().store).quarantinedBatches();
      emit(c.out, list, () =>
        list.length === 0
          ? 'no quarantined batches'
          : table(
              list.map((b) => ({ seq: b.seq, created: iso(b.createdAtMs), quarantined: iso(b.quarantinedAtMs), readings: b.readings, alarms: b.alarms, reason: b.reason ?? '' })),
              ['seq', 'created', 'quarantined', 'readings', 'alarms', 'reason'],
            ),
      );
    });

  q.command('show <seq>')
    .description('what a quarantined batch holds (with --json: every reading and alarm event)')
    .action((text: string) => {
      const c = ctx();
      const seq = seqOf(text);
      const outbox = new Outbox(c.db().store);
      const listed = outbox.quarantinedBatches().find((b) => b.seq === seq);
      const batch = outbox.loadBatch(seq);
      const info = summary(batch, listed?.reason ?? null);
      if (c.out.json) c.out.stdout(JSON.stringify({ ...info, quarantined: listed !== undefined, batch }));
      else c.out.stdout(Object.entries(info).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '')}`).join('\n'));
    });

  q.command('resend [seqs...]')
    .description('put quarantined batches back in the upload queue (the running gateway sends them; no restart)')
    .option('--all', 'every quarantined batch')
    .requiredOption('--by <name>', 'who decided to send them again (kept with the batch and logged)')
    .action((texts: string[], opts: { all?: boolean; by: string }) => {
      const c = ctx();
      if (!ACTOR.test(opts.by)) throw new UsageError('--by must be 1-64 letters, digits, spaces or . _ @ -', { value: opts.by });
      if (Boolean(opts.all) === texts.length > 0) throw new UsageError('name the batches to send again, or --all (not both)');
      const desk = new QuarantineDesk(c.db().store);
      const seqs = opts.all ? desk.seqs() : texts.map(seqOf);
      const done: RequeueResult[] = seqs.map((seq) => desk.requeue(seq, opts.by));
      emit(c.out, { resent: done }, () =>
        done.length === 0 ? 'no quarantined batches' : done.map((r) => `batch ${r.seq} (${r.readings} readings, ${r.alarms} alarms) queued to be sent again`).join('\n'),
      );
    });
}
