/**
 * Who may connect to the embedded MQTT broker (broker.ts): a device by its password or its
 * client certificate, or a read-only alarm viewer (`alarms.viewers`). It marks the client
 * with the account it authenticated as, which the broker's publish and subscribe checks
 * read. Kept apart from broker.ts, whose per-message publish path this does not touch:
 * this runs once per CONNECT.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Client } from 'aedes';
import { AuthFailedError, ClientIdDeniedError, UnknownDeviceError } from '@wardlink/shared';
import type { Registry } from '../../registry/registry.js';
import type { RejectLog } from '../reject-log.js';
import type { ViewerAuthenticator } from '../../alarms/delivery/viewers.js';
import { ClientIdOwners } from './client-ids.js';
import { CredentialCache } from './credential-cache.js';
import { socketOf } from './packet-guard.js';

export const DEVICE = Symbol('wardlink.device');
export const VIEWER = Symbol('wardlink.viewer');
/** An aedes client, marked with the device or viewer account it authenticated as. */
export type DeviceClient = Client & { [DEVICE]?: string; [VIEWER]?: string };

type AuthDone = (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void;

function refusal(returnCode: number, message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

export interface MqttAuthOptions {
  registry: Registry;
  rejects: RejectLog;
  viewers?: ViewerAuthenticator;
}

export class MqttAuthenticator {
  private readonly credentials = new CredentialCache();
  private readonly clientIds: ClientIdOwners;

  /** `deviceOfSocket`: the broker's, filled here so it can count a connection's refused packets against its device. */
  constructor(
    private readonly opts: MqttAuthOptions,
    private readonly deviceOfSocket: WeakMap<Socket, string>,
  ) {
    this.clientIds = new ClientIdOwners((name) => opts.registry.deviceByUsername(name) !== undefined || opts.viewers?.has(name) === true);
  }

  async authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: AuthDone): Promise<void> {
    const { registry, rejects } = this.opts;
    registry.refreshIfChanged();
    const socket = socketOf(client.conn);
    const certified = this.certifiedDevice(socket);
    if (certified !== null && username !== undefined && username !== certified) {
      // A certificate names its device: it cannot log in as another.
      rejects.record(null, new AuthFailedError(username, { certificateCn: certified }), { clientId: client.id });
      done(refusal(5, 'Not authorized'), null);
      return;
    }
    if (certified !== null) username = certified;
    const device = username ? registry.deviceByUsername(username) : undefined;
    const hash = device ? registry.passwordHash(device.deviceId) : null;
    if (username && !this.clientIds.allowed(client.id, username)) {
      rejects.record(device?.deviceId ?? null, new ClientIdDeniedError(username, client.id));
      done(refusal(2, 'Identifier rejected'), null);
      return;
    }
    if (!device && username && this.opts.viewers?.has(username)) {
      await this.authenticateViewer(client as DeviceClient, username, password, done);
      return;
    }
    if (device && device.enabled && device.kind === 'mqtt' && certified === device.mqttUsername) {
      (client as DeviceClient)[DEVICE] = device.deviceId;
      if (socket) this.deviceOfSocket.set(socket, device.deviceId);
      this.admitted(client, username!);
      done(null, true);
      return;
    }
    if (!device || !device.enabled || device.kind !== 'mqtt' || !hash) {
      rejects.record(null, new UnknownDeviceError(username ?? '(none)'), { clientId: client.id });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    const ok = password ? await this.credentials.verify(username!, password.toString('utf8'), hash) : false;
    if (!ok) {
      rejects.record(device.deviceId, new AuthFailedError(device.deviceId), { clientId: client.id });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    (client as DeviceClient)[DEVICE] = device.deviceId;
    if (socket) this.deviceOfSocket.set(socket, device.deviceId);
    this.admitted(client, username!);
    done(null, true);
  }

  /** Authenticated: the client id is this account's while the connection (or its persistent session) lasts. */
  private admitted(client: Client, username: string): void {
    this.clientIds.claim(client.id, username, client.clean === false);
    // The password check was awaited: the connection may have died meanwhile, its 'close'
    // already emitted (or about to be: destroyed emits it a tick later). Release once.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.clientIds.release(client.id);
    };
    client.conn.once('close', release);
    if (client.conn.destroyed) release();
  }

  /** The CN of a client certificate the configured CA signed, over the TLS listener; else null. */
  private certifiedDevice(socket: Socket | undefined): string | null {
    if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
    const cn = socket.getPeerCertificate().subject?.CN;
    return typeof cn === 'string' && cn !== '' ? cn : null;
  }

  private async authenticateViewer(client: DeviceClient, username: string, password: Buffer | undefined, done: AuthDone): Promise<void> {
    const ok = password ? await this.opts.viewers!.verify(username, password.toString('utf8')) : false;
    if (!ok) {
      this.opts.rejects.record(null, new AuthFailedError(username), { clientId: client.id, viewer: true });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    client[VIEWER] = username;
    this.admitted(client, username);
    done(null, true);
  }
}
