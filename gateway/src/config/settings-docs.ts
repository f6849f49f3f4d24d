/**
 * One line per gateway setting for the configuration reference (docs/gateway-config.md,
 * `pnpm config-docs`), kept here rather than in settings.ts so the table stays a table.
 * Each line says what the code that reads the key does with it. A rule that does not
 * describe itself (a domain rule of one section) gets its type here too. A test fails
 * when a setting has no line, so a new key is documented with it.
 */
import { settingsReference, type SettingDoc, type SettingsReference } from '@wardlink/shared';
import { GATEWAY_SETTINGS } from './settings.js';

export const GATEWAY_SETTINGS_DOCS_FILE = 'gateway/src/config/settings-docs.ts';

const FORMAT_DEFAULT = "null: the writer's benchmarked default for buffer.durability";

export const GATEWAY_SETTING_DOCS: Readonly<Record<string, string | SettingDoc>> = {
  gatewayId: "This gateway's id, unique across the hospital (e.g. `icu-3a`); the cloud knows the gateway by it.",
  dataDir: "Folder of the SQLite database and the gateway's other state files.",
  databasePath: 'The SQLite buffer database (readings, outbox, alarm events, registry).',
  'log.level': 'Log level of the daemon (pino).',

  'http.host': 'Address the web port (nurse station, /status, /metrics, /healthz) listens on; loopback until IT binds it to the ward-side address (`init --bind`).',
  'http.port': 'Port of the web listener; 0 picks a free port.',
  'http.tls.certFile': 'PEM certificate: the web port serves HTTPS (`tls init` makes a self-signed pair).',
  'http.tls.keyFile': 'PEM private key of that certificate.',
  'http.allowInsecure': 'Allow plain HTTP on an address other than loopback: PINs and session cookies would cross the ward network in clear.',
  'http.allowedHosts': {
    text: "Host names the ward's PCs reach the web port by, beyond this machine's own names and addresses; other Host headers get 421 (DNS-rebinding defence).",
    type: 'list of host names or IP addresses (no scheme, no port)',
  },
  'http.session.idleMs': "A nurse's session ends after this long without activity; at most http.session.maxMs.",
  'http.session.maxMs': "A nurse's session ends this long after sign-in, whatever the activity (one shift).",
  'http.session.displayMs': "Lifetime of a display screen's session (a screen that only watches).",
  'http.login.maxFailuresPerAccount': 'Failed sign-ins allowed for one account within http.login.windowMs before it is locked out.',
  'http.login.maxFailuresPerAddress': 'Failed sign-ins allowed from one address within http.login.windowMs before it is locked out.',
  'http.login.windowMs': 'Window in which failed sign-ins are counted.',
  'http.login.lockoutMs': 'How long a lockout lasts.',
  'http.maxStreams': 'Live pages (server-sent event streams) served at once; more are refused.',
  'http.maxStreamsPerAddress': 'Live pages served at once to one computer.',

  'mqtt.host': 'Address the embedded MQTT broker (plain TCP) listens on.',
  'mqtt.port': 'Port of the embedded MQTT broker; 0 picks a free port.',
  'mqtt.maxPayloadBytes': "Largest publish payload accepted from a device; a larger one is refused with a counted code (the packet limit is this plus 1 KiB).",
  'mqtt.maxConnections': 'Open MQTT connections allowed in total.',
  'mqtt.maxConnectionsPerAddress': 'Open MQTT connections allowed from one address.',
  'mqtt.tls.port': "Port of the broker's second, TLS listener.",
  'mqtt.tls.certFile': "PEM certificate of the broker's TLS listener.",
  'mqtt.tls.keyFile': 'PEM private key of that certificate.',
  'mqtt.tls.caFile': "CAs whose client certificates the TLS listener accepts (the certificate's CN is the device id); null: no client certificates.",
  'mqtt.bridge.url': 'Broker the hospital already runs, whose readings the gateway takes in too.',
  'mqtt.bridge.topicFilter': 'Topics subscribed on that broker (MQTT filter, e.g. `vitals/#`).',
  'mqtt.bridge.clientId': 'MQTT client id the gateway uses on that broker.',
  'mqtt.bridge.username': 'User name on that broker.',
  'mqtt.bridge.password': 'Password on that broker.',

  'hl7.host': 'Address the HL7 MLLP listener (plain TCP) listens on.',
  'hl7.port': 'Port of the HL7 MLLP listener; 0 picks a free port.',
  'hl7.maxMessageBytes': 'Largest HL7 message accepted; a larger one is refused.',
  'hl7.idleTimeoutMs': 'A connection that sends nothing for this long is closed.',
  'hl7.messageTimeoutMs': 'A message begun must end (0x1C 0x0D) within this long.',
  'hl7.maxConnections': 'Open MLLP connections allowed in total.',
  'hl7.maxConnectionsPerAddress': 'Open MLLP connections allowed from one address.',
  'hl7.tls.port': 'Port of the MLLP-over-TLS listener.',
  'hl7.tls.certFile': 'PEM certificate of the MLLP TLS listener.',
  'hl7.tls.keyFile': 'PEM private key of that certificate.',
  'hl7.tls.caFile': 'CAs whose client certificates the MLLP TLS listener accepts; null: no client certificates.',

  'buffer.durability': 'What an acknowledged reading survives: `full` (the default: every commit syncs the WAL before what it stored is acknowledged, so a power cut loses nothing acknowledged) or `normal` (not synced: survives a crash of the process, but a power cut can lose the last ~30 s of acknowledged readings; ~28 % fewer bytes written, docs/install.md).',
  'buffer.maxBytes': 'Cap on the buffer database: uploaded readings may fill 75% of it, and past it the oldest unsent data is evicted (alarm events never are).',
  'buffer.flushIntervalMs': { text: 'Group-commit interval of the buffer writer.', default: `${FORMAT_DEFAULT} (10 ms normal, 25 ms full)` },
  'buffer.maxBatchReadings': { text: 'Readings per group commit at most.', default: `${FORMAT_DEFAULT} (2000)` },
  'buffer.maxCommitDelayMs': {
    text:
      'Longest wait of a group commit at low rates: past buffer.flushIntervalMs the writer commits once about a page of readings (160) has come, or at this delay. Fewer, fuller commits write far fewer WAL pages per reading (flash wear); devices get their PUBACK or HL7 ACK up to this much later. Set it to buffer.flushIntervalMs to commit on the interval alone.',
    default: 'null: 250 ms; with mqtt.bridge, buffer.flushIntervalMs (the bridge has one message in flight, so a longer wait would cap its rate)',
  },
  'buffer.maxQueuedReadings': "Readings queued for the writer at most (while another process holds the write lock) before producers are paused.",
  'buffer.diskReserveBytes': 'Disk space kept free for alarm events and the audit: readings stop before it is used.',
  'buffer.localRetentionMs': 'How long uploaded readings stay in the buffer for the local trend view before they are pruned.',
  'buffer.checkpointIntervalMs': 'Period of the buffer housekeeping: WAL checkpoint and incremental vacuum. The retention prune and the trend index catch-up run with it every 2 min (uploaded readings stay up to 2 min past buffer.localRetentionMs).',

  'ingest.maxFutureMs': 'A device clock further ahead than this is suspect: its readings take the receive time, flagged CLOCK_SUSPECT.',
  'ingest.maxLagMs': 'A live record may be this far behind the receive time; older, it must continue a catching-up backlog.',
  'ingest.horizonMs': 'The oldest a replayed backlog may be; older device times are suspect.',
  'ingest.silentAfterMs': 'A device quiet for this long is reported as silent (comm-loss alarms build on it).',
  'ingest.rejectLogIntervalMs': 'Log lines about refused input are limited to one per device and code per this interval (0: every one).',

  'admissions.source': 'Who says which patient is in which bed: `cli` (IT with the CLI), `device` (a monitor\'s HL7 PID-3) or `adt` (HL7 ADT from the interface engine).',
  'admissions.adt.senders': 'MSH-3 sending applications (optionally `APP^FACILITY`) whose ADT messages are taken; required with admissions.source `adt`.',
  'admissions.adt.peers': { text: "IP addresses the interface engine may connect from; empty: any.", type: 'list of IP addresses' },
  'admissions.adt.pointOfCare': "PV1-3.1 of this ward: ADT messages for other units are acknowledged and ignored; null takes every point of care.",
  'admissions.adt.beds': { text: 'Map of `room^bed` (or `bed`) to a bed id; without an entry PV1-3.3 is the bed id (or a bed\'s label).', type: 'object of text to bed id' },

  'cloud.url': "The cloud's base URL; batches go to `<url>/v1/batches`. With cloud.token unset too, the gateway runs standalone.",
  'cloud.token': 'The gateway\'s bearer token, printed by `wardlink-cloud gateway add`.',
  'cloud.maxBatchReadings': 'Most readings in one uploaded batch (the cloud refuses more than its server.maxReadingsPerBatch).',
  'cloud.maxBatchAgeMs': 'A batch that is not full and carries no alarm waits until its oldest reading is this old.',
  'cloud.concurrency': 'Batches in flight at once (one live lane plus backfill), and connections in the pool.',
  'cloud.connectTimeoutMs': 'Timeout of a connection to the cloud.',
  'cloud.headersTimeoutMs': "From the end of a request to the answer's headers (includes the cloud's bulk load).",
  'cloud.bodyTimeoutMs': "Longest pause between two chunks of the answer's body.",
  'cloud.backoffBaseMs': 'First retry after a failure waits up to this long (full jitter); each further failure doubles it.',
  'cloud.backoffMaxMs': 'Cap of the retry backoff; at least cloud.backoffBaseMs.',
  'cloud.caFile': "PEM CAs trusted for the cloud's certificate (replaces the system roots); null: the system roots.",
  'cloud.clientCertFile': 'PEM client certificate for mutual TLS; set with cloud.clientKeyFile.',
  'cloud.clientKeyFile': 'PEM private key of the client certificate.',
  'cloud.allowInsecure': "Allow an `http:` cloud.url to another machine: readings and the token would cross the network in clear.",

  'alarms.forward.url': 'External broker the alarm topics are forwarded to (pagers, nurse-call bridges).',
  'alarms.forward.topicPrefix': 'Root of the forwarded topics (no wildcards, no trailing slash).',
  'alarms.forward.clientId': 'MQTT client id on the external broker.',
  'alarms.forward.maxQueued': 'Messages queued at most while the external broker is away; past it the oldest are dropped, counted and logged.',
  'alarms.forward.username': 'User name on the external broker.',
  'alarms.forward.password': 'Password on the external broker.',
  'alarms.pcd04.host': 'Host of the alarm manager (or nurse-call system) the alarms are reported to as IHE PCD-04 (ORU^R40) over MLLP.',
  'alarms.pcd04.port': "Port of the alarm manager's MLLP listener.",
  'alarms.pcd04.tls': 'MLLP over TLS (1.2 or later); the TLS keys below need it.',
  'alarms.pcd04.caFile': "PEM CAs trusted for the alarm manager's certificate; null: the system's.",
  'alarms.pcd04.servername': "Name the alarm manager's certificate must carry; null: alarms.pcd04.host.",
  'alarms.pcd04.clientCertFile': 'PEM client certificate for mutual TLS; set with alarms.pcd04.clientKeyFile.',
  'alarms.pcd04.clientKeyFile': 'PEM private key of the client certificate.',
  'alarms.pcd04.sendingApplication': 'MSH-3 (sending application) of every PCD-04 message.',
  'alarms.pcd04.sendingFacility': 'MSH-4 (sending facility) of every PCD-04 message.',
  'alarms.pcd04.receivingApplication': 'MSH-5 (receiving application); null leaves it empty.',
  'alarms.pcd04.receivingFacility': 'MSH-6 (receiving facility); null leaves it empty.',
  'alarms.pcd04.keepAliveIntervalMs': 'An idle connection sends a keep-alive this often, so a dead alarm manager is noticed.',
  'alarms.pcd04.ackTimeoutMs': 'A message without an answer within this long is sent again on a new connection (also the connect timeout).',
  'alarms.pcd04.downAfterMs': 'No answer from the alarm manager for this long raises the `alarm-manager-down` technical alarm.',
  'alarms.pcd04.maxBackoffMs': 'Longest wait between two connection attempts.',
  'alarms.viewers': {
    text: 'Read-only MQTT accounts that may subscribe to `wardlink/alarms/#` on the embedded broker (ward displays, pager bridges); `viewer add` writes one. A plain password is never logged or shown.',
    type: 'list of {username, passwordHash (scrypt) or password}',
  },
  'alarms.audioPauseMaxMs': "Longest a charge nurse may pause a bed's alarm sound at the nurse stations.",
  'alarms.engine': {
    text: "The alarm engine's timings and technical-alarm priorities (see gateway/src/alarms/README.md); `{}` keeps every default; an unknown key is refused.",
    type: 'object: renotifyEveryMs, escalateAfterMs, latching, commLoss {defaultMs, byKind, byFormat}, technical {condition: {priority, delayMs}}, uplinkDownAfterMs, sweepEveryMs',
  },
};

const INTRO = `
Every setting of the gateway daemon (\`wardlink-gateway\`), generated from its settings table
(\`gateway/src/config/settings.ts\`). The cloud's are in [cloud-config.md](cloud-config.md).

**Precedence**, highest first, the same for both daemons: command-line flags, then the
environment, then the config file, then the defaults below. An empty variable counts as
unset; \`null\` in the file means "not set here" (the default applies). Every command takes
the flags, so \`config show\` with the same flags shows what \`run\` would use.

**Config file**: JSON, the path given by \`--config <path>\`, else \`$WARDLINK_GATEWAY_CONFIG\`,
else \`gateway.json\` in \`$WARDLINK_DATA_DIR\` (default \`.wardlink/gateway\`). Keys nest by
the dots of the key names (\`{"http": {"port": 8080}}\`). \`dataDir\` is relative to the config
file's folder, and the files (database, PEM) are relative to \`dataDir\`.

**Unknown keys are refused**: a key that is not below stops the daemon with an error naming
it (and the closest known key, when one is close). Only the top-level \`$schema\` is ignored. Every value is
checked once at start; a bad one is refused naming the key (and the variable or flag it came
from). Secrets are never logged, and \`config show\` prints them as \`***\`.

Units are in the key names (\`…Ms\` milliseconds, \`…Bytes\` bytes).
`;

export function gatewayConfigReference(): SettingsReference {
  return settingsReference({
    title: 'Gateway configuration reference',
    intro: INTRO,
    settings: GATEWAY_SETTINGS.settings,
    optionalSections: GATEWAY_SETTINGS.optionalSections ?? [],
    docs: GATEWAY_SETTING_DOCS,
    docsFile: GATEWAY_SETTINGS_DOCS_FILE,
    withoutDefault: 'required',
  });
}
