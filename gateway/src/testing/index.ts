/**
 * @wardlink/gateway/testing: the gateway's test support, for the tests and benchmarks
 * outside the package (e2e/, scripts/). Not part of the runtime entry, not built into dist/.
 */

// A configured gateway in a temporary folder, its daemon in-process or as a child process.
export { createTestGateway, startDaemon, spawnDaemon, type TestGateway, type DeviceSpec } from './fixture.js';
// Staff and the nurse station's HTTP client.
export { addStaff, WebClient, operatorHeaders } from './web-client.js';
// Pseudo-terminal pairs for serial devices (socat).
export { hasSocat, startPtyPair, type PtyPair } from './socat.js';
export { startExternalBroker, type ExternalBroker } from './external-broker.js';
// The uplink over a real buffer, without a daemon.
export { createUplinkHarness, HARNESS_START_MS, type UplinkHarness, type HarnessOptions } from '../uplink/testing/harness.js';
// A ward's readings and alarm events, and temporary folders.
export { tempDir, wardReading, wardReadings, alarmEvent, T0_MS, type TempDir } from '../buffer/testing/fixtures.js';
// HL7: an MLLP client, real vendors' messages.
export { MllpClient, msa } from '../ingest/testing/mllp-client.js';
export { VENDOR_CORPUS, type CorpusEntry, type ExpectedReading } from '../ingest/formats/testing/vendor-corpus.js';
export { formatHl7Time } from '../ingest/formats/hl7/timestamp.js';
// Certificates for TLS tests.
export { makeSelfSigned, type SelfSigned } from '../tls/self-signed.js';
// The configuration reference (docs/gateway-config.md), for `pnpm config-docs` and its drift test.
export { gatewayConfigReference, GATEWAY_SETTING_DOCS, GATEWAY_SETTINGS_DOCS_FILE } from '../config/settings-docs.js';
