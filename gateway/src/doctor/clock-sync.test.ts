/** The clock tools' output, as chrony's documentation and systemd print it. */
import { describe, expect, it } from 'vitest';
import { checkClockSync, parseChronyTracking, parseTimedatectl } from './clock-sync.js';

const CHRONY_SYNCED = `Reference ID    : CB00710F (ntp1.example.net)
Stratum         : 3
Ref time (UTC)  : Fri Jan 27 09:49:17 2017
System time     : 0.000006523 seconds slow of NTP time
Last offset     : -0.000006747 seconds
Leap status     : Normal
`;
const CHRONY_UNSYNCED = `Reference ID    : 00000000 ()
Stratum         : 0
System time     : 0.000000000 seconds fast of NTP time
Leap status     : Not synchronised
`;

describe('clock sync', () => {
  it('reads timedatectl show', () => {
    expect(parseTimedatectl('Timezone=Etc/UTC\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=yes\n')).toEqual({ synchronized: true, ntpEnabled: true });
    expect(parseTimedatectl('NTP=no\nNTPSynchronized=no\n')).toEqual({ synchronized: false, ntpEnabled: false });
    expect(parseTimedatectl('Timezone=Etc/UTC\n')).toBeNull();
  });

  it('reads chronyc tracking', () => {
    expect(parseChronyTracking(CHRONY_SYNCED)).toEqual({ synchronized: true, offsetS: -0.000006523 });
    expect(parseChronyTracking(CHRONY_UNSYNCED)).toEqual({ synchronized: false, offsetS: 0 });
    expect(parseChronyTracking('506 Cannot talk to daemon\n')).toBeNull();
  });

  it('answers on this box whatever its tools are, with a remedy unless OK', () => {
    const r = checkClockSync();
    expect(r.code).toBe('clock.sync');
    if (r.status === 'OK') expect(r.remedy).toBeNull();
    else expect(r.remedy).toMatch(/chrony|timedatectl|NTP/);
  });
});
