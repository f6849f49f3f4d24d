/**
 * The archive store as an S3-compatible bucket (AWS S3, MinIO, Ceph RGW...), behind the
 * same interface and contract suite as the local folder:
 * - put: a single PUT, or a multipart upload streamed from the file in constant memory
 *   (s3-multipart.ts); both become visible atomically, as the contract asks;
 * - get: the object's body as a stream (never buffered whole);
 * - list: every page of ListObjectsV2 (ContinuationToken), sorted by key;
 * - exists: HeadObject (a 404 is "no"; an unreachable endpoint is an error, never "no");
 * - delete: DeleteObject, which succeeds for a missing key.
 * Every failure is WL_ARCHIVE_STORE_FAILED (s3-errors.ts). The credentials live only in
 * the SDK client, created inside a closure: nothing on this object can log them.
 *
 * The AWS SDK is imported on first use, so a service with a folder store never loads it.
 */
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ArchiveStoreError } from '../errors.js';
import { assertSafeKey, type ArchiveObjectInfo, type ArchiveStore } from './archive-store.js';
import { ArchiveReadCache } from './read-cache.js';
import { isNotFound, s3StoreError } from './s3-errors.js';
import { uploadFile, type UploadResult } from './s3-multipart.js';

export interface S3StoreSettings {
  /** http(s)://host:port of an S3-compatible service; absent: AWS's endpoint for `region`. */
  endpoint?: string | undefined;
  bucket: string;
  region: string;
  /** Prepended to every key ("" or a '/'-ended prefix). */
  prefix: string;
  /** Both or neither; neither: the SDK's default credential chain (env, instance role). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
  partSizeBytes: number;
  requestTimeoutMs: number;
  /** Keys per LIST page; S3's maximum (1000) unless a test asks for fewer. */
  maxKeysPerPage?: number;
  /** A local folder caching objects read for the history (read-cache.ts), bounded to
   * readCacheMaxBytes; absent or 0 bytes: every read downloads a temporary copy. */
  readCacheDir?: string | undefined;
  readCacheMaxBytes?: number;
}

export class S3ArchiveStore implements ArchiveStore {
  readonly description: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSizeBytes: number;
  readonly #maxKeys: number;
  readonly #client: () => Promise<S3Client>;
  /** The last put's shape, for the tests of the multipart boundary. */
  lastUpload: UploadResult | undefined;
  readonly readCache: ArchiveReadCache | undefined;

  constructor(settings: S3StoreSettings) {
    if ((settings.accessKeyId === undefined) !== (settings.secretAccessKey === undefined)) {
      throw new RangeError('archive.s3AccessKeyId and archive.s3SecretAccessKey must be set together');
    }
    this.#bucket = settings.bucket;
    this.#prefix = settings.prefix;
    this.#partSizeBytes = settings.partSizeBytes;
    this.#maxKeys = settings.maxKeysPerPage ?? 1000;
    this.description = `s3:${settings.endpoint ?? `aws:${settings.region}`}/${settings.bucket}/${settings.prefix}`;
    this.readCache = settings.readCacheDir && settings.readCacheMaxBytes ? new ArchiveReadCache(settings.readCacheDir, settings.readCacheMaxBytes) : undefined;
    let client: Promise<S3Client> | undefined;
    this.#client = () => (client ??= makeClient(settings));
  }

  localPath(): undefined {
    return undefined;
  }

  /** Defined only with a read cache (`localCopy` is optional in the interface). */
  get localCopy(): ((key: string, sha256: string) => Promise<string>) | undefined {
    const cache = this.readCache;
    if (!cache) return undefined;
    return async (key, sha256) => {
      try {
        return await cache.copyOf(sha256, () => this.get(key));
      } catch (err) {
        throw err instanceof ArchiveStoreError ? err : new ArchiveStoreError('get', key, (err as Error).message, { cause: err });
      }
    };
  }

  async put(key: string, sourcePath: string): Promise<void> {
    const target = this.objectKey(key);
    try {
      this.lastUpload = await uploadFile({ client: await this.#client(), bucket: this.#bucket, key: target, partSizeBytes: this.#partSizeBytes }, sourcePath);
    } catch (err) {
      throw err instanceof ArchiveStoreError ? err : s3StoreError('put', key, err);
    }
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.objectKey(key);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await this.call('put', key, (c) => c.send(new PutObjectCommand({ Bucket: this.#bucket, Key: target, Body: bytes, ContentLength: bytes.byteLength })));
  }

  async get(key: string): Promise<Readable> {
    const target = this.objectKey(key);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const out = await this.call('get', key, (c) => c.send(new GetObjectCommand({ Bucket: this.#bucket, Key: target })));
    // In Node the SDK's body is the HTTP response stream itself.
    return out.Body as Readable;
  }

  async exists(key: string): Promise<boolean> {
    const target = this.objectKey(key);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      await (await this.#client()).send(new HeadObjectCommand({ Bucket: this.#bucket, Key: target }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw s3StoreError('exists', key, err);
    }
  }

  async list(prefix: string): Promise<ArchiveObjectInfo[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const found: ArchiveObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, (c) => c.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, MaxKeys: this.#maxKeys, ContinuationToken: token })));
      for (const o of page.Contents ?? []) found.push({ key: o.Key!.slice(this.#prefix.length), bytes: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    // S3 orders by UTF-8 bytes; the contract orders as JavaScript compares strings.
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const target = this.objectKey(key);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await this.call('delete', key, (c) => c.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: target })));
  }

  /** Ends the client's keep-alive sockets (tests, shutdown). */
  async close(): Promise<void> {
    (await this.#client()).destroy();
  }

  private objectKey(key: string): string {
    return this.#prefix + assertSafeKey(key);
  }

  private async call<R>(operation: string, key: string, run: (client: S3Client) => Promise<R>): Promise<R> {
    try {
      return await run(await this.#client());
    } catch (err) {
      throw s3StoreError(operation, key, err);
    }
  }
}

const ignore = (): void => undefined;
const QUIET_SDK_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

async function makeClient(s: S3StoreSettings): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    region: s.region,
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    forcePathStyle: s.forcePathStyle,
    ...(s.accessKeyId === undefined ? {} : { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey! } }),
    // Recent SDKs send CRC32 trailers (aws-chunked bodies) by default, which many
    // S3-compatible servers refuse; S3 itself needs no checksum unless asked.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { requestTimeout: s.requestTimeoutMs, connectionTimeout: Math.min(s.requestTimeoutMs, 10_000) },
    // Without a logger the SDK writes some retry notices to the console; every failure
    // reaches the caller as WL_ARCHIVE_STORE_FAILED anyway, which the caller logs.
    logger: QUIET_SDK_LOGGER,
  });
}
