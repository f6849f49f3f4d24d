/** The baseline broker for `pnpm bench gateway-ingest`: aedes with no auth and no handler. */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer((socket) => broker.handle(socket));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ started: true, ports: { mqtt: (server.address() as AddressInfo).port } }));
});
process.on('SIGTERM', () => process.exit(0));
