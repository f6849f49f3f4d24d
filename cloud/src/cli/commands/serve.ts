import { Option, type Command } from 'commander';
import { settingFlags, settingFlagValues } from '@wardlink/shared';
import { SETTINGS } from '../../config/settings.js';
import { CloudService } from '../../service.js';
import type { CliContext } from '../context.js';

interface ServeOptions {
  migrate?: boolean;
  lifecycle?: boolean;
  [settingFlag: string]: unknown;
}

/** The settings table's flags (`--port`, `--host`, `--role`): set for this instance, over
 * the environment and the config file. Adding a `flag` to a table entry is all it takes. */
const FLAGS = settingFlags(SETTINGS);

/** What the help adds to a flag's generic line, where the choice needs explaining. */
const FLAG_NOTES: Readonly<Record<string, string>> = {
  'server.host': 'another address than loopback needs server.tlsCertFile/tlsKeyFile or server.behindTlsProxy',
  'server.role': 'all, ingest (the gateways\' batch and status POSTs) or read (the read API, streams and FHIR); see docs/cloud-api.md, "Instance roles"',
};

/** `serve`: the sync service in the foreground until SIGTERM or SIGINT (graceful stop, exit 0). */
export function registerServeCommand(program: Command, ctx: () => CliContext): void {
  const serve = program
    .command('serve')
    .description('run the cloud sync service (POST /v1/batches, the read API under /v1/hospitals/..., /healthz, /readyz, /metrics) and the data lifecycle; without DATABASE_URL it runs an embedded PostgreSQL');
  for (const f of FLAGS) serve.addOption(new Option(f.usage, FLAG_NOTES[f.path] === undefined ? f.description : `${f.description}: ${FLAG_NOTES[f.path]}`));
  serve
    .option('--migrate', 'apply pending migrations before serving (always done on the embedded database)')
    .option('--lifecycle', 'run the data lifecycle in this instance even with --role read (by default a read instance leaves it to the others)')
    .option('--no-lifecycle', 'do not run the data lifecycle (partition maintenance, retention, purge, capacity) in this instance; another instance or the CLI must')
    .action(async (opts: ServeOptions) => {
      const c = ctx();
      // By setting path, as typed: each setting's rule checks its flag, naming it on error.
      const flags = settingFlagValues(FLAGS, opts);
      const config = c.loadConfig(Object.keys(flags).length > 0 ? flags : undefined);
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
