/**
 * S3 failures as the store's one stable code, WL_ARCHIVE_STORE_FAILED, with a reason a
 * technician can act on. The SDK's own error (which may carry the request's headers)
 * stays only as the cause; no credential is ever part of the message.
 */
import { ArchiveStoreError } from '../errors.js';

/** A short, stable classification of an SDK or network failure. */
export function s3FailureReason(err: unknown): string {
  const e = err as { name?: string; code?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const network = e?.code ?? (e?.name === 'TimeoutError' ? 'ETIMEDOUT' : undefined);
  if (network && /^E[A-Z]+$/.test(network)) return `the S3 endpoint is unreachable (${network}); check archive.s3Endpoint and the network`;
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeout') return 'the S3 request timed out (archive.s3RequestTimeoutMs)';
  const name = e?.Code ?? e?.name ?? 'Error';
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return `no such object (${name})`;
  if (name === 'NoSuchBucket') return 'the bucket does not exist (archive.s3Bucket)';
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return `access denied (${name}); check archive.s3AccessKeyId / archive.s3SecretAccessKey and the bucket policy`;
  }
  return `${name}${status ? ` (HTTP ${status})` : ''}`;
}

export function s3StoreError(operation: string, key: string, err: unknown): ArchiveStoreError {
  return new ArchiveStoreError(operation, key, s3FailureReason(err), { cause: err });
}

/** HEAD's "not there" (S3 answers 404 without a body, so the SDK calls it NotFound). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey';
}
