/**
 * Uploads one local file to S3 in constant memory: a single PUT below the part size,
 * else a multipart upload whose parts are read from the file one at a time (each part
 * a file stream of known length, never the whole file in memory). A failed multipart
 * upload is aborted, so no half-uploaded parts are left billed in the bucket; the key
 * keeps its old object until CompleteMultipartUpload, which S3 applies atomically.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSizeBytes: number;
}

/** What the upload did, for the tests of the part boundary. */
export interface UploadResult {
  bytes: number;
  parts: number;
}

export async function uploadFile(target: UploadTarget, sourcePath: string): Promise<UploadResult> {
  const sdk = await import('@aws-sdk/client-s3');
  const { client, bucket, key, partSizeBytes } = target;
  const bytes = (await stat(sourcePath)).size;
  if (bytes <= partSizeBytes) {
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(sourcePath), ContentLength: bytes }));
    return { bytes, parts: 1 };
  }
  const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId!;
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let start = 0, n = 1; start < bytes; start += partSizeBytes, n++) {
      const length = Math.min(partSizeBytes, bytes - start);
      // One part in flight: memory is the stream's buffer, whatever the file's size.
      const body = createReadStream(sourcePath, { start, end: start + length - 1 });
      const part = await client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: length }));
      parts.push({ PartNumber: n, ETag: part.ETag! });
    }
    await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return { bytes, parts: parts.length };
  } catch (err) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
