/**
 * Runs every check in the order a technician fixes things: the config first (nothing else
 * can be checked without it), then what this box offers (ports, serial ports, disk, clock),
 * then the cloud, then the devices as the running daemon sees them. Nothing here writes:
 * the doctor can run next to the daemon, as any user, as often as needed.
 */
import type { WardlinkError } from '@wardlink/shared';
import type { GatewayConfig } from '../config/schema.js';
import { checkCloud } from './check-cloud.js';
import { checkConfig } from './check-config.js';
import { checkDevicesSeen } from './check-devices.js';
import { checkDisk } from './check-disk.js';
import { checkPorts } from './check-ports.js';
import { checkSerialPorts } from './check-serial.js';
import { checkClockSync } from './clock-sync.js';
import { probeDaemon, type DaemonProbe } from './daemon-probe.js';
import { readDatabase } from './database.js';
import { ok, summarize, warn, type CheckResult, type DoctorReport } from './types.js';

export interface DoctorInput {
  configPath: string;
  /** The CLI's own loader (cli/context.ts): file, environment and flags. */
  loadConfig: () => GatewayConfig;
}

export interface DoctorOutcome {
  report: DoctorReport;
  /** The config loader's error, when the config check failed. */
  configError: WardlinkError | null;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorOutcome> {
  const cfg = checkConfig(input.configPath, input.loadConfig);
  if (cfg.config === null) {
    // The clock does not depend on the config: worth knowing on the same visit.
    return { report: summarize(null, input.configPath, [cfg.result, checkClockSync()]), configError: cfg.error };
  }
  const config = cfg.config;
  const checks: CheckResult[] = [cfg.result];
  const daemon = await probeDaemon(config);
  checks.push(daemonLine(daemon, config));
  checks.push(...(await checkPorts(config, daemon)));
  const db = readDatabase(config);
  checks.push(db.result);
  checks.push(...checkSerialPorts(db.facts.devices));
  checks.push(checkDisk(config, { usedBytes: db.facts.usedBytes, storedReadings: db.facts.storedReadings, registeredDevices: db.facts.devices.filter((d) => d.enabled).length }, daemon.live));
  checks.push(checkClockSync());
  checks.push(...(await checkCloud(config.cloud)));
  checks.push(...checkDevicesSeen(db.facts.devices, daemon, db.facts.patientOf));
  return { report: summarize(config.gatewayId, input.configPath, checks), configError: null };
}

function daemonLine(daemon: DaemonProbe, config: GatewayConfig): CheckResult {
  if (daemon.live) {
    const other = daemon.live.gatewayId !== config.gatewayId;
    const detail = `running for ${daemon.live.uptimeS} s, ingest ${daemon.live.ingestReadingsPerS} readings/s`;
    if (other) return warn('daemon', `${detail}, but as gateway ${daemon.live.gatewayId}, not ${config.gatewayId}`, 'restart the daemon to apply the config (systemctl restart wardlink-gateway), or check which config it runs with', { data: { running: true } });
    return ok('daemon', detail, { data: { running: true, uptimeS: daemon.live.uptimeS } });
  }
  if (daemon.running) {
    return warn('daemon', `running, but its /status is not readable by this user (${daemon.statusError})`, 'run the doctor as the service user (sudo -u wardlink wardlink-gateway doctor) for the live checks', { data: { running: true } });
  }
  if (daemon.probeError !== null) {
    return warn('daemon', `could not be asked: ${daemon.probeError}`, 'run the doctor as the service user (sudo -u wardlink wardlink-gateway doctor)', { data: { running: null } });
  }
  if (config.http.port === 0) {
    return warn('daemon', 'cannot be found: http.port is 0 (a new port every start)', 'set http.port to a fixed port', { data: { running: null } });
  }
  return warn('daemon', `not running (nothing answers on ${config.http.host}:${config.http.port})`, 'start it (systemctl start wardlink-gateway); the checks below are those of a first start', { data: { running: false } });
}
