import type { Command } from 'commander';
import { isValidVendorTarget, UsageError, type VendorCodeMap } from '@wardlink/shared';
import { generatePassword, hashPassword } from '../../registry/credentials.js';
import { formatNamesFor } from '../../ingest/formats/registry.js';
import { DEVICE_KINDS, type DeviceKind } from '../../registry/types.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

/** The `--format` help: each kind's formats, from the format registry, the default first. */
function formatHelp(): string {
  return `monitor format, by kind (the first is the default): ${DEVICE_KINDS.map((kind) => `${kind}: ${formatNamesFor(kind).join(', ')}`).join('; ')}`;
}
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400];

interface AddOptions {
  kind: string;
  bed: string;
  format?: string;
  port?: string;
  baud?: string;
  match?: string;
  vendorMap?: string;
  utcOffset?: string;
  peer?: string[];
}

function parseVendorMap(text: string | undefined): VendorCodeMap {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--vendor-map must be a JSON object such as {"61441":"SPO2"}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new UsageError('--vendor-map must be a JSON object of code to metric id, such as {"61441":"SPO2"}');
  }
  // A target that names nothing would turn the device's values into refusals: say so now.
  const bad = Object.entries(parsed as Record<string, string>).find(([, target]) => !isValidVendorTarget(target));
  if (bad) {
    throw new UsageError(`--vendor-map maps "${bad[0]}" to "${bad[1]}", which is neither a metric id (HR, SPO2, ...), an MDC code (150047) nor an MDC reference id Wardlink knows`, {
      code: bad[0],
      target: bad[1],
    });
  }
  return parsed as VendorCodeMap;
}

function parseIntOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${name} must be an integer between ${min} and ${max}`, { value: text });
  }
  return Number(text);
}

export function registerDeviceCommands(program: Command, ctx: () => CliContext): void {
  const device = program.command('device').description('bedside devices (serial, tcp-hl7, mqtt)');
  device
    .command('add <deviceId>')
    .description('register a device; for mqtt, prints its generated credentials once')
    .requiredOption('--kind <kind>', `one of ${DEVICE_KINDS.join(', ')}`)
    .requiredOption('--bed <bedId>', 'the bed it is attached to')
    .option('--format <format>', formatHelp())
    .option('--port <path>', 'serial port path, e.g. /dev/ttyUSB0')
    .option('--baud <rate>', 'serial baud rate', '9600')
    .option('--match <id>', 'tcp-hl7: what tells its messages apart: OBX-18 equipment id, PV1-3 bed label, MSH-4 or MSH-3')
    .option('--vendor-map <json>', 'vendor-private codes to metric ids or MDC codes, e.g. {"61441":"SPO2","PAPm":"150047"}')
    .option('--utc-offset <minutes>', 'device clock offset from UTC in minutes, for formats without a zone', '0')
    .option('--peer <address...>', 'tcp-hl7: the only IP addresses its messages may come from (others get AR)')
    .action(async (deviceId: string, opts: AddOptions) => {
      const c = ctx();
      if (!DEVICE_KINDS.includes(opts.kind as DeviceKind)) throw new UsageError(`--kind must be one of ${DEVICE_KINDS.join(', ')}`);
      const kind = opts.kind as DeviceKind;
      // From the format registry (framed formats for serial and TCP, payload formats for MQTT).
      const formats = formatNamesFor(kind);
      const format = opts.format ?? formats[0]!;
      if (!formats.includes(format)) throw new UsageError(`--format for a ${kind} device must be one of ${formats.join(', ')}`);
      if (kind === 'serial' && !opts.port) throw new UsageError('a serial device needs --port');
      if (kind === 'tcp-hl7' && !opts.match) throw new UsageError('a tcp-hl7 device needs --match (its OBX-18 equipment id or MSH-3)');
      const baudRate = kind === 'serial' ? parseIntOption('--baud', opts.baud, 300, 4_000_000) : undefined;
      if (baudRate !== undefined && !BAUD_RATES.includes(baudRate)) {
        throw new UsageError(`--baud must be one of ${BAUD_RATES.join(', ')}`);
      }
      const password = kind === 'mqtt' ? generatePassword() : null;
      const created = c.db().registry.addDevice({
        deviceId,
        kind,
        bedId: opts.bed,
        format,
        portPath: kind === 'serial' ? opts.port : null,
        baudRate: baudRate ?? null,
        matchId: kind === 'tcp-hl7' ? opts.match : null,
        vendorMap: parseVendorMap(opts.vendorMap),
        utcOffsetMinutes: parseIntOption('--utc-offset', opts.utcOffset, -14 * 60, 14 * 60) ?? 0,
        mqttUsername: kind === 'mqtt' ? deviceId : null,
        passwordHash: password ? await hashPassword(password) : null,
        allowedPeers: kind === 'tcp-hl7' ? (opts.peer ?? []) : [],
      });
      const result = password ? { ...created, mqttPassword: password, mqttTopic: `wardlink/devices/${deviceId}/readings` } : created;
      emit(c.out, result, () =>
        password
          ? `device ${deviceId} added to ${created.bedId}\n` +
            `  mqtt username: ${deviceId}\n  mqtt password: ${password}   (shown once; store it in the device now)\n` +
            `  publish to:    wardlink/devices/${deviceId}/readings`
          : `device ${deviceId} (${kind}, ${format}) added to ${created.bedId}`,
      );
    });
  device
    .command('list')
    .description('list devices')
    .action(() => {
      const c = ctx();
      const devices = c.db().registry.listDevices();
      emit(c.out, devices, () => table(devices, ['deviceId', 'kind', 'bedId', 'format', 'portPath', 'baudRate', 'matchId']));
    });
  device
    .command('set-peers <deviceId> [address...]')
    .description('tcp-hl7: the only IP addresses the device\'s messages may come from; none: any (takes effect at once)')
    .action((deviceId: string, addresses: string[]) => {
      const c = ctx();
      const d = c.db().registry.setAllowedPeers(deviceId, addresses);
      emit(c.out, d, () => (d.allowedPeers.length === 0 ? `${deviceId}: messages accepted from any address` : `${deviceId}: messages accepted only from ${d.allowedPeers.join(', ')}`));
    });
  device
    .command('show <deviceId>')
    .description('show one device')
    .action((deviceId: string) => {
      const c = ctx();
      const d = c.db().registry.requireDevice(deviceId);
      emit(c.out, d, () => Object.entries(d).map(([k, v]) => `${k.padEnd(18)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
    });
  device
    .command('remove <deviceId>')
    .description('remove a device (its stored readings stay)')
    .action((deviceId: string) => {
      const c = ctx();
      c.db().registry.removeDevice(deviceId);
      emit(c.out, { removed: deviceId }, () => `device ${deviceId} removed`);
    });
}
