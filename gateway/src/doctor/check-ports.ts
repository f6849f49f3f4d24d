/**
 * The listener ports: each one the daemon will open (HTTP, MQTT, MLLP, and the TLS
 * listeners when set) must be free, or be held by this gateway's own running daemon. Free
 * is tested by binding it for a moment, exactly as the daemon will (same host, same port),
 * which also catches a host that is not this machine's and a port below 1024.
 */
import { createServer } from 'node:net';
import type { GatewayConfig } from '../config/schema.js';
import type { ListeningPorts } from '../http/routes.js';
import type { DaemonProbe } from './daemon-probe.js';
import { fail, ok, warn, type CheckCode, type CheckResult } from './types.js';

interface Listener {
  code: CheckCode;
  /** The setting that holds the port, for the remedy. */
  field: string;
  host: string;
  port: number;
  /** Which of the running daemon's ports this is. */
  live: keyof ListeningPorts;
}

export function listenersOf(config: GatewayConfig): Listener[] {
  const list: Listener[] = [
    { code: 'port.http', field: 'http.port', host: config.http.host, port: config.http.port, live: 'http' },
    { code: 'port.mqtt', field: 'mqtt.port', host: config.mqtt.host, port: config.mqtt.port, live: 'mqtt' },
    { code: 'port.hl7', field: 'hl7.port', host: config.hl7.host, port: config.hl7.port, live: 'hl7' },
  ];
  if (config.mqtt.tls) list.push({ code: 'port.mqtt-tls', field: 'mqtt.tls.port', host: config.mqtt.host, port: config.mqtt.tls.port, live: 'mqttTls' });
  if (config.hl7.tls) list.push({ code: 'port.hl7-tls', field: 'hl7.tls.port', host: config.hl7.host, port: config.hl7.tls.port, live: 'hl7Tls' });
  return list;
}

const ANY = new Set(['0.0.0.0', '::', '']);

/** Two listeners collide on one port when their addresses are the same or one is every address. */
function overlaps(a: string, b: string): boolean {
  return a === b || ANY.has(a) || ANY.has(b);
}

/** null when the port could be bound; else the errno code (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
export function tryBind(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    // exclusive: a port shared with a cluster worker of ours would otherwise look free.
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

export async function checkPorts(config: GatewayConfig, daemon: DaemonProbe): Promise<CheckResult[]> {
  const listeners = listenersOf(config);
  const results: CheckResult[] = [];
  for (const l of listeners) {
    const subject = `${l.host}:${l.port}`;
    const data = { field: l.field, host: l.host, port: l.port };
    if (l.port === 0) {
      results.push(warn(l.code, `${l.field} is 0: a different free port at every start`, `set ${l.field} to a fixed port: devices and browsers must know where to connect`, { subject, data }));
      continue;
    }
    const twin = listeners.slice(0, listeners.indexOf(l)).find((o) => o.port === l.port && overlaps(o.host, l.host));
    if (twin) {
      results.push(fail(l.code, `${l.field} is the same port as ${twin.field}`, `give ${l.field} a port of its own`, { subject, data }));
      continue;
    }
    const livePort = daemon.live?.ports[l.live] ?? null;
    if (livePort === l.port) {
      results.push(ok(l.code, `in use by this gateway's running daemon`, { subject, data: { ...data, heldByDaemon: true } }));
      continue;
    }
    const error = await tryBind(l.host, l.port);
    if (error === null) {
      // Free, but a running daemon listens elsewhere: it was started with another config.
      if (daemon.live && livePort !== null && livePort !== undefined) {
        results.push(warn(l.code, `free, but the running daemon listens on ${livePort}`, `restart the daemon to apply ${l.field} (systemctl restart wardlink-gateway)`, { subject, data }));
      } else results.push(ok(l.code, 'free', { subject, data }));
      continue;
    }
    results.push(bindFailure(l, error, daemon, subject, data));
  }
  return results;
}

function bindFailure(l: Listener, error: string, daemon: DaemonProbe, subject: string, data: Record<string, unknown>): CheckResult {
  if (error === 'EADDRINUSE') {
    // The daemon runs but would not show its ports to this user: most likely it holds them.
    if ((daemon.running && daemon.live === null) || daemon.probeError !== null) {
      return warn(l.code, `in use, probably by the daemon (which could not be asked: ${daemon.statusError ?? daemon.probeError})`, 'run the doctor as the service user (sudo -u wardlink wardlink-gateway doctor) to be sure', { subject, data });
    }
    return fail(l.code, 'in use by another program', `find it with "ss -ltnp 'sport = :${l.port}'" and stop it, or change ${l.field}`, { subject, data: { ...data, error } });
  }
  if (error === 'EACCES') {
    return fail(l.code, `binding port ${l.port} is not allowed for this user`, `use a port above 1023 in ${l.field}, or give the service CAP_NET_BIND_SERVICE (AmbientCapabilities= in its unit)`, { subject, data: { ...data, error } });
  }
  if (error === 'EADDRNOTAVAIL' || error === 'ENOTFOUND' || error === 'EAI_AGAIN') {
    const hostField = l.field.replace(/\.(tls\.)?port$/, '.host');
    return fail(l.code, `${l.host} is not an address of this machine`, `set ${hostField} to one of this machine's addresses (ip -br addr), or 0.0.0.0`, { subject, data: { ...data, error } });
  }
  return fail(l.code, `cannot listen: ${error}`, `check ${l.field} and the host's network setup`, { subject, data: { ...data, error } });
}
