import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { addGateway, listGateways, revokeGateway, rotateGatewayToken, type AddedGateway } from '../../api/auth/gateway-store.js';
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
    .description('list gateways (tokens are never shown, only their prefix)')
    .option('--hospital <hospitalId>', 'only this hospital')
    .action(async (opts: { hospital?: string }) => {
      const c = ctx();
      const rows = await listGateways(await c.db(), opts.hospital);
      const shown = rows.map((g) => ({ ...g, status: g.revokedAt ? 'revoked' : 'active' }));
      emit(c.out, shown, () => table(shown, ['gatewayId', 'hospitalId', 'wardId', 'tokenPrefix', 'status', 'createdAt']));
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
