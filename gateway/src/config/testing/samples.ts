/**
 * One sample per gateway setting, for the table-driven tests: a good value as the config
 * file would hold it, what it resolves to when that differs, a bad value, and the other
 * keys it needs (the required siblings in its optional section). Settings with a variable
 * or a flag also get two texts as typed there, with what they resolve to. The test checks
 * that every entry of the table has a sample here, so a new setting cannot skip the tests.
 */
import { join } from 'node:path';

export interface Sample {
  good: unknown;
  /** Resolved value when it is not `good`; a function of the config file's folder. */
  want?: unknown;
  bad: unknown;
  with?: Record<string, unknown>;
  /** Two distinct texts for a variable or flag, and what each resolves to. */
  texts?: readonly [readonly [string, unknown], readonly [string, unknown]];
}

const MIB = 1024 * 1024;
const HOUR_MS = 3_600_000;
const PEM = '/etc/wardlink/pem/file.pem';
const TLS = (section: string) => ({ [`${section}.certFile`]: PEM, [`${section}.keyFile`]: PEM });
const BRIDGE = { 'mqtt.bridge.url': 'mqtt://broker:1883', 'mqtt.bridge.topicFilter': 'vitals/#' };
const FORWARD = { 'alarms.forward.url': 'mqtt://pager:1883' };
const PCD04 = { 'alarms.pcd04.host': 'am.hospital' };

export const SAMPLES: Readonly<Record<string, Sample>> = {
  gatewayId: { good: 'icu-3a', bad: 'has space', texts: [['icu-3b', 'icu-3b'], ['icu-3c', 'icu-3c']] },
  dataDir: { good: 'data', want: (dir: string) => join(dir, 'data'), bad: 5 },
  databasePath: { good: 'db/g.db', want: (dir: string) => join(dir, 'db/g.db'), bad: '' },
  'log.level': { good: 'debug', bad: 'loud', texts: [['warn', 'warn'], ['trace', 'trace']] },
  'http.host': { good: 'localhost', bad: '' },
  'http.port': { good: 8081, bad: 70_000, texts: [['9000', 9000], ['9001', 9001]] },
  'http.tls.certFile': { good: PEM, bad: 5, with: TLS('http.tls') },
  'http.tls.keyFile': { good: PEM, bad: 5, with: TLS('http.tls') },
  'http.allowInsecure': { good: true, bad: 'yes' },
  'http.allowedHosts': { good: ['Ward.Local'], want: ['ward.local'], bad: ['a b'] },
  'http.session.idleMs': { good: 60_000, bad: 1 },
  'http.session.maxMs': { good: HOUR_MS, bad: 13 * HOUR_MS, with: { 'http.session.idleMs': 60_000 } },
  'http.session.displayMs': { good: HOUR_MS, bad: 1 },
  'http.login.maxFailuresPerAccount': { good: 3, bad: 0 },
  'http.login.maxFailuresPerAddress': { good: 9, bad: 0 },
  'http.login.windowMs': { good: 1000, bad: 999 },
  'http.login.lockoutMs': { good: 2000, bad: 999 },
  'http.maxStreams': { good: 5, bad: 0 },
  'http.maxStreamsPerAddress': { good: 2, bad: 0 },
  'mqtt.host': { good: 'localhost', bad: '' },
  'mqtt.port': { good: 1884, bad: -1, texts: [['2883', 2883], ['2884', 2884]] },
  'mqtt.maxPayloadBytes': { good: 300, bad: 255 },
  'mqtt.maxConnections': { good: 2, bad: 0 },
  'mqtt.maxConnectionsPerAddress': { good: 1, bad: 0 },
  'mqtt.tls.port': { good: 8884, bad: 70_000, with: TLS('mqtt.tls') },
  'mqtt.tls.certFile': { good: PEM, bad: 5, with: TLS('mqtt.tls') },
  'mqtt.tls.keyFile': { good: PEM, bad: 5, with: TLS('mqtt.tls') },
  'mqtt.tls.caFile': { good: PEM, bad: 5, with: TLS('mqtt.tls') },
  'mqtt.bridge.url': { good: 'mqtts://broker:8883', bad: 'http://broker', with: BRIDGE },
  'mqtt.bridge.topicFilter': { good: 'ward/+/vitals', bad: '', with: BRIDGE },
  'mqtt.bridge.clientId': { good: 'bridge-1', bad: '', with: BRIDGE },
  'mqtt.bridge.username': { good: 'gw', bad: 5, with: BRIDGE },
  'mqtt.bridge.password': { good: 'pw', bad: 5, with: BRIDGE },
  'hl7.host': { good: 'localhost', bad: '' },
  'hl7.port': { good: 2577, bad: 65_536, texts: [['3575', 3575], ['3576', 3576]] },
  'hl7.maxMessageBytes': { good: 1024, bad: 1023 },
  'hl7.idleTimeoutMs': { good: 1000, bad: 999 },
  'hl7.messageTimeoutMs': { good: 100, bad: 99 },
  'hl7.maxConnections': { good: 3, bad: 0 },
  'hl7.maxConnectionsPerAddress': { good: 2, bad: 0 },
  'hl7.tls.port': { good: 3000, bad: -1, with: TLS('hl7.tls') },
  'hl7.tls.certFile': { good: PEM, bad: 5, with: TLS('hl7.tls') },
  'hl7.tls.keyFile': { good: PEM, bad: 5, with: TLS('hl7.tls') },
  'hl7.tls.caFile': { good: PEM, bad: 5, with: TLS('hl7.tls') },
  'buffer.durability': { good: 'normal', bad: 'sometimes', texts: [['full', 'full'], ['normal', 'normal']] },
  'buffer.maxBytes': { good: 16 * MIB, bad: MIB },
  'buffer.flushIntervalMs': { good: 5, bad: 0 },
  'buffer.maxBatchReadings': { good: 10, bad: 0 },
  'buffer.maxCommitDelayMs': { good: 250, bad: 0 },
  'buffer.maxQueuedReadings': { good: 100, bad: 99 },
  'buffer.diskReserveBytes': { good: MIB, bad: MIB - 1 },
  'buffer.localRetentionMs': { good: 0, bad: -1 },
  'buffer.checkpointIntervalMs': { good: 100, bad: 99 },
  'ingest.maxFutureMs': { good: 0, bad: -1 },
  'ingest.maxLagMs': { good: 1000, bad: 999 },
  'ingest.horizonMs': { good: 60_000, bad: 59_999 },
  'ingest.silentAfterMs': { good: 500, bad: 499 },
  'ingest.rejectLogIntervalMs': { good: 0, bad: -1 },
  'admissions.source': { good: 'device', bad: 'pager', texts: [['cli', 'cli'], ['device', 'device']] },
  'admissions.adt.senders': { good: [' IE '], want: ['IE'], bad: [''] },
  'admissions.adt.peers': { good: ['10.0.0.9'], bad: ['engine.local'] },
  'admissions.adt.pointOfCare': { good: 'ICU3A', bad: 5 },
  'admissions.adt.beds': { good: { '12^A': 'bed-01' }, bad: { '12^A': 1 } },
  'cloud.url': { good: 'https://cloud.example/', bad: 'ftp://cloud.example/', texts: [['https://a.example/', 'https://a.example/'], ['https://b.example/', 'https://b.example/']] },
  'cloud.token': { good: 'tok-1', bad: 'has space', texts: [['tok-2', 'tok-2'], ['tok-3', 'tok-3']] },
  'cloud.maxBatchReadings': { good: 10, bad: 0 },
  'cloud.maxBatchAgeMs': { good: 0, bad: -1 },
  'cloud.concurrency': { good: 2, bad: 65 },
  'cloud.connectTimeoutMs': { good: 100, bad: 99 },
  'cloud.headersTimeoutMs': { good: 100, bad: 99 },
  'cloud.bodyTimeoutMs': { good: 100, bad: 99 },
  'cloud.backoffBaseMs': { good: 5, bad: 0 },
  'cloud.backoffMaxMs': { good: 60_001, bad: 0 },
  'cloud.caFile': { good: PEM, bad: 5 },
  'cloud.clientCertFile': { good: PEM, bad: 5, with: { 'cloud.clientKeyFile': PEM } },
  'cloud.clientKeyFile': { good: PEM, bad: 5, with: { 'cloud.clientCertFile': PEM } },
  'cloud.allowInsecure': { good: true, bad: 'yes' },
  'alarms.forward.url': { good: 'mqtts://pager:8883', bad: 'http://pager', with: FORWARD },
  'alarms.forward.topicPrefix': { good: 'ward/alarms', bad: 'ward/#', with: FORWARD },
  'alarms.forward.clientId': { good: 'fwd-1', bad: '', with: FORWARD },
  'alarms.forward.maxQueued': { good: 100, bad: 99, with: FORWARD },
  'alarms.forward.username': { good: 'gw', bad: 5, with: FORWARD },
  'alarms.forward.password': { good: 'pw', bad: 5, with: FORWARD },
  'alarms.pcd04.host': { good: 'am.hospital', bad: '' },
  'alarms.pcd04.port': { good: 2576, bad: 0, with: PCD04 },
  'alarms.pcd04.tls': { good: true, bad: 'maybe', with: PCD04 },
  'alarms.pcd04.caFile': { good: PEM, bad: 5, with: PCD04 },
  'alarms.pcd04.servername': { good: 'am.hospital', bad: '', with: PCD04 },
  'alarms.pcd04.clientCertFile': { good: PEM, bad: 5, with: PCD04 },
  'alarms.pcd04.clientKeyFile': { good: PEM, bad: 5, with: PCD04 },
  'alarms.pcd04.sendingApplication': { good: 'WARDLINK^icu-3a', bad: 'A|B', with: PCD04 },
  'alarms.pcd04.sendingFacility': { good: 'ST-LUKES', bad: 'a\rb', with: PCD04 },
  'alarms.pcd04.receivingApplication': { good: 'ASCOM_UNITE', bad: 'a~b', with: PCD04 },
  'alarms.pcd04.receivingFacility': { good: 'ST-LUKES', bad: 'a&b', with: PCD04 },
  'alarms.pcd04.keepAliveIntervalMs': { good: 5000, bad: 999, with: PCD04 },
  'alarms.pcd04.ackTimeoutMs': { good: 2000, bad: 499, with: PCD04 },
  'alarms.pcd04.downAfterMs': { good: 120_000, bad: 999, with: PCD04 },
  'alarms.pcd04.maxBackoffMs': { good: 60_000, bad: 999, with: PCD04 },
  'alarms.viewers': { good: [{ username: 'pager', passwordHash: 'scrypt$1$2' }], bad: [{ username: 'pager' }] },
  'alarms.audioPauseMaxMs': { good: 10_000, bad: 9_999 },
  'alarms.engine': { good: { renotifyEveryMs: 60_000 }, bad: { renotifyEvryMs: 60_000 } },
};
