import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { CloudService } from '../../service.js';
import type { CliContext } from '../context.js';

interface ServeOptions {
  port?: string;
  host?: string;
  migrate?: boolean;
  lifecycle?: boolean;
  role?: string;
}

/** `serve`: the sync service in the foreground until SIGTERM or SIGINT (graceful stop, exit 0). */
export function registerServeCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('serve')
    .description('run the cloud sync service (POST /v1/batches, the read API under /v1/hospitals/..., /healthz, /readyz, /metrics) and the data lifecycle; without DATABASE_URL it runs an embedded PostgreSQL')
    .option('--port <port>', 'listening port (default: server.port, 8080)')
    .option('--host <host>', 'listening address (default: server.host, 127.0.0.1; another address needs server.tlsCertFile/tlsKeyFile or server.behindTlsProxy)')
    .option('--migrate', 'apply pending migrations before serving (always done on the embedded database)')
    .option('--role <role>', 'what this instance answers: all (default: server.role), ingest (the gateways\' batch and status POSTs) or read (the read API, streams and FHIR); see docs/cloud-api.md, "Instance roles"')
    .option('--lifecycle', 'run the data lifecycle in this instance even with --role read (by default a read instance leaves it to the others)')
    .option('--no-lifecycle', 'do not run the data lifecycle (partition maintenance, retention, purge, capacity) in this instance; another instance or the CLI must')
    .action(async (opts: ServeOptions) => {
      const c = ctx();
      const server: Record<string, unknown> = {};
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65_535) throw new UsageError('--port must be an integer from 0 to 65535', { value: opts.port });
        server.port = Number(opts.port);
      }
      if (opts.host !== undefined) server.host = opts.host;
      // Checked by the config's rule, which names the allowed roles.
      if (opts.role !== undefined) server.role = opts.role;
      const config = c.loadConfig(Object.keys(server).length > 0 ? { server } : undefined);
      const logger = c.logger(config.log.level);
      const service = await CloudService.start(config, { logger, ...(opts.lifecycle === undefined ? {} : { lifecycle: opts.lifecycle }), ...(opts.migrate ? { migrate: true } : {}) });
      if (c.out.json) c.out.stdout(JSON.stringify({ started: true, url: service.url, port: service.port }));
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: exiting without waiting');
            logger.flush();
            process.exit(130);
          }
          stopping = true;
          logger.info({ signal }, 'stopping');
          service.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'stop failed');
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
    });
}
