/**
 * Reads a request body up to a limit without ever holding more than the limit: a
 * declared Content-Length above it is refused before a byte is read, and a chunked body
 * is cut off as soon as it passes the limit.
 */
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError } from '@wardlink/shared';

export class ClientAbortedError extends Error {
  constructor() {
    super('the client closed the connection before sending the whole body');
  }
}

/** Throws BodyTooLargeError at once when the declared length is over the limit. */
export function checkDeclaredLength(req: IncomingMessage, limitBytes: number): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const declared = Number(header);
  if (Number.isSafeInteger(declared) && declared > limitBytes) throw new BodyTooLargeError(limitBytes, declared);
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
}

export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = checkDeclaredLength(req, limitBytes);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (err: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        // Stop holding it; whatever else arrives is discarded until the socket closes.
        chunks.length = 0;
        req.resume();
        finish(new BodyTooLargeError(limitBytes, declared));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    const onError = () => finish(new ClientAbortedError());
    const onClose = () => {
      if (!req.complete) finish(new ClientAbortedError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
