/**
 * The archive store chosen from the configuration, with its settings checked where they
 * enter, and the S3 one used for real against s3rver from environment settings alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactConfig } from '../../config/redact.js';
import { resolveCloudConfig } from '../../config/resolve.js';
import { startS3Server, type TestS3Server } from '../../testing/s3-server.js';
import { createArchiveStore } from './create-store.js';
import { LocalFolderArchiveStore } from './local-folder-store.js';
import { S3ArchiveStore } from './s3-store.js';

const SECRET = 'S3RVER-secret-never-printed';
const config = (env: Record<string, string>) => resolveCloudConfig({ env: { WARDLINK_DATA_DIR: '/srv/wl', ...env }, cwd: '/' });
let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startS3Server('from-config');
}, 30_000);
afterAll(() => s3?.stop());

describe('createArchiveStore', () => {
  it('is the local folder <dataDir>/archive by default', () => {
    const store = createArchiveStore(config({}));
    expect(store).toBeInstanceOf(LocalFolderArchiveStore);
    expect(store.description).toBe('local:/srv/wl/archive');
  });

  it('refuses an s3 store without a bucket, or with one credential of two', () => {
    expect(() => createArchiveStore(config({ WARDLINK_ARCHIVE_STORE: 's3' }))).toThrow(expect.objectContaining({ code: 'WL_CONFIG_INVALID', field: 'archive.s3Bucket' }));
    expect(() => createArchiveStore(config({ WARDLINK_ARCHIVE_STORE: 's3', WARDLINK_ARCHIVE_S3_BUCKET: 'b-1', WARDLINK_ARCHIVE_S3_ACCESS_KEY_ID: 'AK' }))).toThrow(
      expect.objectContaining({ code: 'WL_CONFIG_INVALID', field: 'archive.s3SecretAccessKey' }),
    );
  });

  it('checks each archive setting where it enters, never echoing a secret', () => {
    const bad = (env: Record<string, string>) => () => config(env);
    expect(bad({ WARDLINK_ARCHIVE_STORE: 'ftp' })).toThrow(/archive.store .*must be one of folder, s3/);
    expect(bad({ WARDLINK_ARCHIVE_S3_ENDPOINT: 'ftp://x' })).toThrow(/archive.s3Endpoint .*http/);
    expect(bad({ WARDLINK_ARCHIVE_S3_ENDPOINT: `http://AK:${SECRET}@minio:9000` })).toThrow(/must not hold credentials/);
    expect(bad({ WARDLINK_ARCHIVE_S3_ENDPOINT: `http://AK:${SECRET}@minio:9000` })).not.toThrow(new RegExp(SECRET));
    expect(bad({ WARDLINK_ARCHIVE_S3_BUCKET: 'Not_A_Bucket' })).toThrow(/archive.s3Bucket/);
    for (const prefix of ['/abs/', 'no-slash', 'a//b/', 'a/../b/']) expect(bad({ WARDLINK_ARCHIVE_S3_PREFIX: prefix })).toThrow(/archive.s3Prefix/);
    expect(bad({ WARDLINK_ARCHIVE_S3_SECRET_ACCESS_KEY: 'has space' })).toThrow(/"\*\*\*"/);
    expect(bad({ WARDLINK_ARCHIVE_S3_PART_SIZE_BYTES: String(1024 * 1024) })).toThrow(/archive.s3PartSizeBytes/);
  });

  it('builds a working S3 store from the environment alone, its secrets out of every printout', async () => {
    const cfg = config({
      WARDLINK_ARCHIVE_STORE: 's3',
      WARDLINK_ARCHIVE_S3_ENDPOINT: s3.endpoint,
      WARDLINK_ARCHIVE_S3_BUCKET: s3.bucket,
      WARDLINK_ARCHIVE_S3_PREFIX: 'site-a/',
      WARDLINK_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      WARDLINK_ARCHIVE_S3_ACCESS_KEY_ID: 'S3RVER',
      WARDLINK_ARCHIVE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    const store = createArchiveStore(cfg) as S3ArchiveStore;
    try {
      expect(store).toBeInstanceOf(S3ArchiveStore);
      expect(store.description).toBe(`s3:${s3.endpoint}/${s3.bucket}/site-a/`);
      expect(store.readCache?.dir).toBe('/srv/wl/archive-cache');
      await store.putBytes('a/manifest.json', Buffer.from('{}'));
      expect(await store.list('a/')).toEqual([{ key: 'a/manifest.json', bytes: 2 }]);
      const printed = JSON.stringify(redactConfig(cfg)) + JSON.stringify(cfg);
      expect(printed).toContain('"s3Bucket":"from-config"');
      expect(printed).not.toContain('S3RVER');
    } finally {
      await store.close();
    }
  });
});
