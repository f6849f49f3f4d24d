/**
 * The archive store the configuration names: the local folder (retention.archiveDir,
 * default `<dataDir>/archive`) or an S3-compatible bucket (archive.s3*). One store
 * serves both the lifecycle, which writes it, and the history, which reads it.
 */
import { join } from 'node:path';
import { ConfigError } from '@wardlink/shared';
import type { CloudConfig } from '../../config/schema.js';
import { archiveDirFor } from '../context.js';
import type { ArchiveStore } from './archive-store.js';
import { LocalFolderArchiveStore } from './local-folder-store.js';
import { S3ArchiveStore } from './s3-store.js';

export function createArchiveStore(config: CloudConfig): ArchiveStore {
  const a = config.archive;
  if (a.store === 'folder') return new LocalFolderArchiveStore(archiveDirFor(config));
  if (a.s3Bucket === undefined) throw new ConfigError('archive.s3Bucket', 'must be set when archive.store is s3');
  if ((a.s3AccessKeyId === undefined) !== (a.s3SecretAccessKey === undefined)) {
    throw new ConfigError('archive.s3SecretAccessKey', 'and archive.s3AccessKeyId must be set together (or neither, for the AWS default credential chain)');
  }
  return new S3ArchiveStore({
    endpoint: a.s3Endpoint,
    bucket: a.s3Bucket,
    region: a.s3Region,
    prefix: a.s3Prefix,
    accessKeyId: a.s3AccessKeyId,
    secretAccessKey: a.s3SecretAccessKey,
    forcePathStyle: a.s3ForcePathStyle,
    partSizeBytes: a.s3PartSizeBytes,
    requestTimeoutMs: a.s3RequestTimeoutMs,
    readCacheDir: a.s3ReadCacheDir ?? join(config.dataDir, 'archive-cache'),
    readCacheMaxBytes: a.s3ReadCacheMaxBytes,
  });
}
