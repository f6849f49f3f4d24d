import type { Command } from 'commander';
import { sharedCommitThread } from '../../buffer/commit-thread.js';
import type { CliContext } from '../context.js';

/** `run`: the daemon in the foreground, until SIGTERM or SIGINT (flush, then exit 0). */
export function registerRunCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('run')
    .description('run the gateway daemon in the foreground (SIGTERM flushes and exits; SIGHUP reloads)')
    .action(async () => {
      const c = ctx();
      const config = c.loadConfig();
      // The commit thread starts now, so that its own start (a new V8 isolate, its modules)
      // overlaps the loading of the daemon's modules here rather than following it: the
      // daemon waits for the thread before /healthz (BufferWriter.ready). Both cores work.
      sharedCommitThread().start();
      const [{ GatewayDaemon }, { createLogger }] = await Promise.all([import('../../daemon.js'), import('../../observability/logger.js')]);
      const logger = createLogger(config.log.level);
      const daemon = new GatewayDaemon(config, logger);
      try {
        await daemon.start();
      } catch (err) {
        await daemon.stop().catch(() => undefined);
        throw err;
      }
      if (c.out.json) c.out.stdout(JSON.stringify({ started: true, gatewayId: config.gatewayId, ports: daemon.ports }));
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          daemon.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'stop failed');
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        process.on('SIGHUP', () => {
          try {
            void daemon.reload(c.reloadConfig());
          } catch (err) {
            logger.error({ err }, 'reload refused: the config file is invalid; keeping the running configuration');
          }
        });
      });
      logger.flush();
    });
}
