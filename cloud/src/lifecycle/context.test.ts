import { describe, expect, it } from 'vitest';
import { resolveCloudConfig } from '../config/resolve.js';
import { DEFAULT_SETTINGS, settingsFromConfig } from './context.js';

describe('settingsFromConfig', () => {
  it('gives the lifecycle the compaction settings of the configuration', () => {
    const defaults = settingsFromConfig(resolveCloudConfig({ env: {} }));
    expect(defaults).toMatchObject({ compactAfterMs: 10 * 60_000, compactionConcurrency: 1 });
    expect(DEFAULT_SETTINGS.compactionConcurrency).toBe(1);
    const set = settingsFromConfig(resolveCloudConfig({ env: { WARDLINK_COMPACTION_CONCURRENCY: '3', WARDLINK_COMPACT_AFTER_MINUTES: '20' } }));
    expect(set).toMatchObject({ compactAfterMs: 20 * 60_000, compactionConcurrency: 3 });
    expect(() => resolveCloudConfig({ env: { WARDLINK_COMPACTION_CONCURRENCY: '0' } })).toThrow(/retention\.compactionConcurrency/);
    // Each unit holds a connection of ingest's pool: at most half of it.
    expect(() => resolveCloudConfig({ env: { WARDLINK_COMPACTION_CONCURRENCY: '11' } })).toThrow(/retention\.compactionConcurrency.*half of database\.poolMax \(20\)/);
    expect(settingsFromConfig(resolveCloudConfig({ env: { WARDLINK_COMPACTION_CONCURRENCY: '10' } })).compactionConcurrency).toBe(10);
    expect(settingsFromConfig(resolveCloudConfig({ env: { PG_POOL_MAX: '1' } })).compactionConcurrency).toBe(1);
  });
});
