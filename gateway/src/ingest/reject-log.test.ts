import { UnknownMetricError } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { RejectLog } from './reject-log.js';

describe('RejectLog', () => {
  it('counts refusals per device, code and observation code, bounded, and exports them', async () => {
    const metrics = new GatewayMetrics();
    const log = new RejectLog(metrics, silentLogger(), 60_000, () => 0);
    log.record('mon-1', new UnknownMetricError('0002-f0e1^99ACME'));
    log.record('mon-1', new UnknownMetricError('0002-f0e1^99ACME'));
    log.record('mon-1', { code: 'WL_INGEST_UNIT_MISMATCH', message: 'ETCO2 in %', rawCode: '151708' });
    log.record(null, { code: 'WL_INGEST_UNKNOWN_DEVICE', message: 'who?' });
    for (let i = 0; i < 100; i++) log.record('mon-2', new UnknownMetricError(`X${i}`));
    const refused = log.refusedValues(1000);
    expect(refused.slice(0, 1)).toEqual([{ deviceId: 'mon-2', code: 'WL_INGEST_UNKNOWN_METRIC', term: '(other)', count: 36 }]);
    expect(refused).toContainEqual({ deviceId: 'mon-1', code: 'WL_INGEST_UNKNOWN_METRIC', term: '0002-f0e1^99ACME', count: 2 });
    expect(refused).toContainEqual({ deviceId: 'mon-1', code: 'WL_INGEST_UNIT_MISMATCH', term: '151708', count: 1 });
    expect(refused).toContainEqual({ deviceId: 'unknown', code: 'WL_INGEST_UNKNOWN_DEVICE', term: null, count: 1 });
    expect(refused.filter((r) => r.deviceId === 'mon-2')).toHaveLength(65);
    const text = await metrics.text();
    expect(text).toContain('wardlink_gateway_refused_values_total{device="mon-1",code="WL_INGEST_UNKNOWN_METRIC",term="0002-f0e1^99ACME"} 2');
  });
});
