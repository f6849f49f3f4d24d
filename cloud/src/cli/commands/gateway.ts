import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { addGateway, listGateways, revokeGateway, rotateGatewayToken, type AddedGateway } from '../../api/auth/gateway-store.js';
import { gatewayListRow, GATEWAY_LIST_COLUMNS } from '../../fleet/list-format.js';
import { SILENT_AFTER_S } from '../../fleet/thresholds.js';
import { loadFleet } from '../../fleet/view.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

/** Ids travel in batches, URLs and logs: printable, no spaces, bounded. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function checkId(option: string, value: string): string {
  if (!ID.test(value)) throw new UsageError(`${option} must be 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`, { value });
  return value;
}

function showToken(g: AddedGateway, verb: string): string {
  return (
    `gateway ${g.gatewayId} ${verb} (hospital ${g.hospitalId}, ward ${g.wardId})\n` +
    `  token: ${g.token}\n` +
    `  This token is shown once and only its hash is stored. Configure the gateway now:\n` +
    `    wardlink-gateway config set cloud.token ${g.token}`
  );
}

export function registerGatewayCommands(program: Command, ctx: () => CliContext): void {
  const gateway = program.command('gateway').description('ward gateways and their upload tokens');
  gateway
    .command('add')
    .description('register a gateway (creating its hospital and ward if needed) and print its token once')
    .requiredOption('--hospital <hospitalId>', 'the hospital it belongs to')
    .requiredOption('--ward <wardId>', 'the ward it serves')
    .option('--id <gatewayId>', 'its gateway id (default: <hospital>-<ward>), as configured on the gateway')
    .action(async (opts: { hospital: string; ward: string; id?: string }) => {
      const c = ctx();
      const hospitalId = checkId('--hospital', opts.hospital);
      const wardId = checkId('--ward', opts.ward);
      const gatewayId = checkId('--id', opts.id ?? `${hospitalId}-${wardId}`);
      const added = await addGateway(await c.db(), { hospitalId, wardId, gatewayId });
      emit(c.out, added, () => showToken(added, 'added'));
    });
  gateway
    .command('list')
    .description('list gateways with their fleet state (ok, silent, behind, skewed) from their latest status: last seen, version, backlog, clock skew, disk days left, devices, alarms (tokens are never shown, only their prefix)')
    .option('--hospital <hospitalId>', 'only this hospital')
    .option('--silent-after <seconds>', `a gateway not heard from for longer is "silent" (default ${SILENT_AFTER_S})`)
    .action(async (opts: { hospital?: string; silentAfter?: string }) => {
      const c = ctx();
      const silentAfterS = opts.silentAfter === undefined ? SILENT_AFTER_S : Number(opts.silentAfter);
      if (!Number.isFinite(silentAfterS) || silentAfterS <= 0) throw new UsageError('--silent-after must be a positive number of seconds', { value: opts.silentAfter });
      const db = await c.db();
      const rows = await listGateways(db, opts.hospital);
      const fleet = new Map((await loadFleet(db, { hospitalId: opts.hospital, nowMs: Date.now(), silentAfterS })).map((f) => [f.gatewayId, f]));
      const shown = rows.flatMap((g) => {
        const f = fleet.get(g.gatewayId);
        return f ? [gatewayListRow(g, f)] : [];
      });
      emit(c.out, shown, () => table(shown, [...GATEWAY_LIST_COLUMNS]));
    });
  gateway
    .command('revoke <gatewayId>')
    .description('revoke a gateway token: its uploads are refused (401) within seconds')
    .action(async (gatewayId: string) => {
      const c = ctx();
      const revoked = await revokeGateway(await c.db(), gatewayId);
      emit(c.out, revoked, () => `gateway ${gatewayId} revoked; its uploads are refused within a few seconds`);
    });
  gateway
    .command('rotate-token <gatewayId>')
    .description('issue a new token (printed once); the old one stops working, a revoked gateway is active again')
    .action(async (gatewayId: string) => {
      const c = ctx();
      const rotated = await rotateGatewayToken(await c.db(), gatewayId);
      emit(c.out, rotated, () => showToken(rotated, 'has a new token'));
    });
}
