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
// A real S3-compatible server (s3rver, child process) and a real streaming replica pair
// (primary + pg_basebackup -R standby), for the archive store and read-routing tests.
export { startS3Server, type TestS3Server } from './s3-server.js';
export { startStreamingReplica, type StreamingReplica } from './streaming-replica.js';
// The Citus test cluster (WARDLINK_TEST_CITUS) and shard moves, for the Citus benchmark.
export { citusCluster, createCitusDatabase, dropCitusDatabase, startExtraCitusNode, addCitusWorker, type CitusCluster } from './citus-cluster.js';
export { moveHospital, hospitalShardGroup, type ShardMoveResult, type ShardTransferMode } from '../storage/shard-move.js';
// The configuration reference (docs/cloud-config.md), for `pnpm config-docs` and its drift test.
export { cloudConfigReference, CLOUD_SETTING_DOCS, CLOUD_SETTINGS_DOCS_FILE } from '../config/settings-docs.js';
