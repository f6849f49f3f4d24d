/**
 * A TCP proxy in front of a real PostgreSQL that can go silent: it then forwards nothing
 * either way and closes nothing, as a database host does that vanished from the network
 * (a pulled cable, a blackholed route) until TCP gives up minutes later. For tests of
 * what the service does while such a host never answers.
 */
import net from 'node:net';

export interface SilentProxy {
  /** The connection string through the proxy. */
  url: string;
  /** While true, nothing is forwarded. */
  silent: boolean;
  /** Both ends of every connection through the proxy. */
  readonly sockets: ReadonlySet<net.Socket>;
  /** Ends every connection (what a test left waiting on a silent one). */
  destroyConnections(): void;
  close(): Promise<void>;
}

export async function startSilentProxy(connectionString: string): Promise<SilentProxy> {
  const target = new URL(connectionString);
  const sockets = new Set<net.Socket>();
  const proxy: SilentProxy = {
    url: '',
    silent: false,
    sockets,
    destroyConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => proxy.silent || upstream.write(d));
    upstream.on('data', (d) => proxy.silent || client.write(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const via = new URL(connectionString);
  via.hostname = '127.0.0.1';
  via.port = String((server.address() as net.AddressInfo).port);
  proxy.url = via.toString();
  return proxy;
}
