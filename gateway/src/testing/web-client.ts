/**
 * Test helper: staff accounts and signed-in HTTP clients for a running test gateway. A
 * `WebClient` sends what the nurse-station page sends: its session cookie, and an Origin
 * that is the gateway itself.
 */
import type { GatewayConfig } from '../config/schema.js';
import { openGatewayDatabase } from '../db.js';
import { openStaff, type IssuedSecret } from '../staff/index.js';

export async function addStaff(config: GatewayConfig, input: { staffId: string; role: string; name?: string; pin?: string }): Promise<IssuedSecret> {
  const database = openGatewayDatabase(config);
  try {
    return await openStaff(database.db).directory.add({ name: `Test ${input.staffId}`, ...input });
  } finally {
    database.close();
  }
}

export class WebClient {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string | null,
  ) {}

  /** Signs in as the page does; throws with the answer's code when refused. */
  static async signIn(baseUrl: string, body: { staffId: string; pin: string } | { token: string }): Promise<WebClient> {
    const res = await fetch(`${baseUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: baseUrl }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`sign-in refused: ${res.status} ${await res.text()}`);
    const cookie = /^(wl_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error('sign-in answered without a session cookie');
    return new WebClient(baseUrl, cookie);
  }

  /** A nurse (or other role) added and signed in at once. */
  static async as(config: GatewayConfig, baseUrl: string, role: string, staffId = `${role}-1`): Promise<WebClient> {
    const issued = await addStaff(config, { staffId, role });
    return WebClient.signIn(baseUrl, issued.kind === 'pin' ? { staffId, pin: issued.secret } : { token: issued.secret });
  }

  get headers(): Record<string, string> {
    return { origin: this.baseUrl, ...(this.cookie ? { cookie: this.cookie } : {}) };
  }

  get(path: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { headers: this.headers });
  }

  post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
}

/** The daemon's own CLI credential (role it), as `status` uses it. */
export function operatorHeaders(daemon: { web: { localToken: string } }): Record<string, string> {
  return { authorization: `Bearer ${daemon.web.localToken}` };
}
