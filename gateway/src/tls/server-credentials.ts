/**
 * The certificate and key a TLS listener serves, read from the files the config names.
 * Read at start and again on SIGHUP (a renewed certificate needs no restart); a file that
 * cannot be read or does not hold a matching pair is an error naming the config field,
 * and on reload the running certificate is kept.
 */
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@wardlink/shared';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CAs whose client certificates are accepted (optional client authentication). */
  caFile?: string | null;
}

export function loadServerCredentials(files: TlsFiles, field: string): SecureContextOptions {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${field}.${what}`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, path);
    }
  };
  const options: SecureContextOptions = { cert: read(files.certFile, 'certFile'), key: read(files.keyFile, 'keyFile'), minVersion: 'TLSv1.2' };
  if (files.caFile) options.ca = read(files.caFile, 'caFile');
  try {
    createSecureContext(options); // a key that does not match the certificate fails here, not at the first client
  } catch (err) {
    throw new ConfigError(field, `holds no usable certificate and key: ${(err as Error).message}`);
  }
  return options;
}
