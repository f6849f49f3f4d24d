/**
 * Which account a client id belongs to, so no client can take over another's session
 * (MQTT: a CONNECT with a connected client's id disconnects it and inherits its session,
 * including a viewer's queued alarm messages). A client id
 *  - that is an account's name (a device's username, a viewer's), or starts with it and
 *    "-", belongs to that account alone;
 *  - any other id (devices often use a MAC or a vendor prefix) belongs to the first
 *    account that connects with it, while its session lasts: until a clean session
 *    disconnects, and for a persistent session as long as the gateway runs.
 * The number of ids held is bounded (`maxIds`); past it, new ids are refused.
 */
export class ClientIdOwners {
  private readonly owners = new Map<string, { username: string; persistent: boolean; connected: number }>();

  constructor(
    private readonly isAccount: (name: string) => boolean,
    private readonly maxIds = 100_000,
  ) {}

  /** May `username` connect as `clientId`? */
  allowed(clientId: string, username: string): boolean {
    if (clientId === '') return true; // the broker assigns a fresh id
    const owner = this.owners.get(clientId);
    if (owner) return owner.username === username;
    if (clientId !== username && this.isAccount(clientId)) return false;
    for (let i = clientId.indexOf('-'); i > 0; i = clientId.indexOf('-', i + 1)) {
      const prefix = clientId.slice(0, i);
      if (prefix !== username && this.isAccount(prefix)) return false;
    }
    return this.owners.size < this.maxIds;
  }

  claim(clientId: string, username: string, persistent: boolean): void {
    const owner = this.owners.get(clientId);
    if (owner) {
      owner.connected += 1;
      owner.persistent ||= persistent;
    } else this.owners.set(clientId, { username, persistent, connected: 1 });
  }

  release(clientId: string): void {
    const owner = this.owners.get(clientId);
    if (!owner) return;
    owner.connected -= 1;
    if (owner.connected <= 0 && !owner.persistent) this.owners.delete(clientId);
  }
}
