/**
 * The daemon's cloud uplink, replaceable while the daemon runs: a new cloud URL or token
 * (or a rotated TLS file) takes effect on SIGHUP without a restart.
 */
import type { Clock } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.js';
import { createUplink, displayUrl, uplinkSettingsFromConfig, type Uplink, type UplinkDeps, type UplinkSettings } from './uplink/index.js';
import { sameUplinkSettings } from './uplink/same-settings.js';

export interface UplinkSlotOptions {
  deps: UplinkDeps;
  clock: Clock;
  logger: Logger;
  /** The uplink was removed (no cloud any more): an uplink-down alarm has nothing left to watch. */
  onNoUplink: (nowMs: number) => void;
}

export class UplinkSlot {
  private current: Uplink | null;
  private settings: UplinkSettings | null;

  constructor(
    config: GatewayConfig,
    private readonly opts: UplinkSlotOptions,
  ) {
    this.settings = uplinkSettingsFromConfig(config.cloud);
    this.current = createUplink(config, opts.deps);
  }

  /** The cloud uplink; null when no cloud.url/cloud.token is configured (or while one is replaced). */
  get uplink(): Uplink | null {
    return this.current;
  }

  start(): void {
    this.current?.start();
  }

  /** In-flight uploads finish (or stay pending for the restart). */
  async stop(): Promise<void> {
    await this.current?.stop();
  }

  /**
   * The old uplink finishes its in-flight uploads (unacknowledged ones stay pending, with
   * their seq), then the new one starts from the outbox. Settings that cannot be used (an
   * unreadable TLS file) are refused and the running uplink is kept. `config` is the running
   * config with the next `cloud` section. True when the uplink was replaced.
   */
  async reload(config: GatewayConfig): Promise<boolean> {
    const { logger } = this.opts;
    let settings: UplinkSettings | null;
    try {
      settings = uplinkSettingsFromConfig(config.cloud);
    } catch (err) {
      logger.error({ err }, 'cloud settings refused on reload; the running uplink is kept');
      return false;
    }
    if (sameUplinkSettings(settings, this.settings)) return false;
    const previous = this.current;
    this.current = null;
    await previous?.stop();
    this.settings = settings;
    this.current = createUplink(config, this.opts.deps);
    if (this.current === null) this.opts.onNoUplink(this.opts.clock.now());
    this.current?.start();
    logger.info({ url: config.cloud.url === null ? null : displayUrl(config.cloud.url) }, 'cloud settings changed: uplink restarted');
    return true;
  }
}
