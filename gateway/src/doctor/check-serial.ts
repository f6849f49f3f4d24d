/**
 * Each registered serial device's port: it must exist, be a character device (a USB or
 * on-board serial adapter, or a pseudo-terminal), and be readable and writable by the user
 * the doctor runs as. The daemon opens it read-write; a port it cannot open is a monitor
 * whose alarms never reach the ward.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Device } from '../registry/types.js';
import { fail, ok, warn, type CheckResult } from './types.js';

export function checkSerialPorts(devices: readonly Device[]): CheckResult[] {
  return devices.filter((d) => d.kind === 'serial').map(checkOne);
}

function checkOne(d: Device): CheckResult {
  const subject = d.deviceId;
  const path = d.portPath;
  const data = { deviceId: d.deviceId, portPath: path, enabled: d.enabled };
  if (path === null) {
    return fail('serial.port', 'no port path is registered', `remove the device and add it again with --port (wardlink-gateway device add ${d.deviceId} --kind serial --port /dev/ttyUSB0 ...)`, { subject, data });
  }
  if (!d.enabled) return ok('serial.port', `${path}: not checked, the device is disabled`, { subject, data });
  let mode: { isCharacterDevice(): boolean; gid: number };
  try {
    mode = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return fail('serial.port', `${path} does not exist`, 'plug the serial adapter in (ls -l /dev/serial/by-id/ shows what is attached) or register the device with the right --port', { subject, data });
    }
    return fail('serial.port', `${path} cannot be examined (${code})`, `check the permissions of ${path}'s folder`, { subject, data: { ...data, error: code } });
  }
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    const user = userInfo().username;
    return fail('serial.port', `${path} is not readable and writable by ${user} (${(err as NodeJS.ErrnoException).code})`, `add the service user to the port's group (usually dialout: usermod -aG dialout wardlink) and restart the service`, { subject, data: { ...data, gid: mode.gid } });
  }
  if (!mode.isCharacterDevice()) {
    return warn('serial.port', `${path} exists but is not a character device`, 'register the serial port itself (/dev/ttyUSB0, /dev/serial/by-id/...), not a file', { subject, data });
  }
  // root may open anything: say so, since the service runs as its own user.
  const asRoot = userInfo().uid === 0;
  return ok('serial.port', `${path} exists and is readable and writable${asRoot ? ' (checked as root: the service user needs the port\'s group, usually dialout)' : ''}`, { subject, data });
}
