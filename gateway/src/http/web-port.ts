/**
 * The gateway's web port with its security: staff accounts and sessions, the login
 * limiter, the Host/Origin guard and the authenticator, around the route table.
 *
 * It also writes `local-admin.token` in the data folder (mode 0600, a new one at every
 * start): the key the gateway's own CLI (`status`), benchmarks and tests on this machine
 * use for /status and /metrics, as role `it`. Whoever can read the data folder can read
 * every patient's data anyway.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { isLoopback, type HttpConfig } from '../config/http.js';
import { generateToken, LoginLimiter, openStaff, type StaffModule } from '../staff/index.js';
import { Authenticator } from './auth/authenticator.js';
import { HostGuard } from './auth/host-guard.js';
import { registerSessionRoutes } from './auth/session-routes.js';
import { loadServerCredentials } from '../tls/server-credentials.js';
import { HttpServer } from './server.js';

export const LOCAL_TOKEN_FILE = 'local-admin.token';

export class WebPort {
  readonly staff: StaffModule;
  readonly http: HttpServer;
  readonly localToken = generateToken();
  private readonly limiter: LoginLimiter;
  private readonly guard: HostGuard;
  private readonly tokenPath: string;

  constructor(opts: { db: Database.Database; config: HttpConfig; dataDir: string; logger: Logger; now: () => number }) {
    const { config } = opts;
    this.staff = openStaff(opts.db, { now: opts.now, policy: config.session });
    this.limiter = new LoginLimiter(config.login, opts.now);
    this.guard = new HostGuard(config.allowedHosts);
    const tls = config.tls === null ? null : loadServerCredentials(config.tls, 'http.tls');
    this.http = new HttpServer(opts.logger, { guard: this.guard, auth: new Authenticator(this.staff, this.localToken) }, tls);
    registerSessionRoutes(this.http, { staff: this.staff, limiter: this.limiter, secure: () => this.http.secure, now: opts.now });
    if (tls === null && !isLoopback(config.host)) opts.logger.warn({ host: config.host }, 'http.allowInsecure: the nurse station is served in clear on the ward network; PINs and session cookies can be read by anyone on it');
    this.tokenPath = join(opts.dataDir, LOCAL_TOKEN_FILE);
  }

  async listen(port: number, host: string): Promise<number> {
    writeFileSync(this.tokenPath, `${this.localToken}\n`, { mode: 0o600 });
    chmodSync(this.tokenPath, 0o600);
    return this.http.listen(port, host);
  }

  /** SIGHUP: session lengths, login limits, allowed host names and a renewed certificate apply at once. */
  reload(config: HttpConfig): void {
    this.staff.sessions.setPolicy(config.session);
    this.limiter.setLimits(config.login);
    this.guard.setAllowed(config.allowedHosts);
    // Last: a certificate that cannot be used throws, and must not keep the rest from applying.
    if (config.tls !== null && this.http.secure) this.http.setCredentials(loadServerCredentials(config.tls, 'http.tls'));
  }

  async close(): Promise<void> {
    await this.http.close();
    rmSync(this.tokenPath, { force: true });
  }
}
