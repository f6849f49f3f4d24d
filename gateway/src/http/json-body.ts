/**
 * Reads a small JSON object body. Requiring `application/json` also keeps other sites'
 * plain form posts out: a cross-origin JSON post needs a CORS preflight, never granted.
 */
import type { IncomingMessage } from 'node:http';
import { BadJsonError, BodyTooLargeError, UnsupportedMediaTypeError } from './http-error.js';

export async function readJsonBody(req: IncomingMessage, limitBytes = 4096, expected?: string): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) throw new UnsupportedMediaTypeError(type);
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadJsonError(expected);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadJsonError(expected);
  return body as Record<string, unknown>;
}
