/**
 * @wardlink/cloud/testing: the cloud's test support, for the tests and benchmarks outside
 * the package (e2e/, scripts/bench). Not part of the runtime entry, not built into dist/.
 */

// A throwaway database on real PostgreSQL (DATABASE_URL, else embedded), migrated.
export { createTestDatabase, useTestDatabase, testServerUrl, type TestDatabase, type TestDatabaseOptions } from './pg.js';
// The real service in-process on port 0, and a raw POST of an encoded batch.
export { startTestService, postBatch, bombFrame, type TestService, type Answer } from '../api/testing/service.js';
// The real service as a child process (SIGKILL-able), a cuttable proxy in front of
// PostgreSQL, a gateway's registration, and the exactly-once check of a gateway's readings.
export { spawnCloud, registerGateway, startTcpProxy, viaPort, checkCloud, type CloudProcess, type CloudPool, type TcpProxy, type CloudCheck } from './cloud-process.js';
// Batches of a simulated ward, as a gateway would send them.
export { simulatedWard, batchOf, overTheWire } from '../ingest/testing/batches.js';
export { silentLogger } from './logger.js';
