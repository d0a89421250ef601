/**
 * Secure contexts built from the TLS settings (config/tls.ts): files read once when a listener
 * or source starts, and again at reload, never per connection. Shared by every protocol; the
 * PostgreSQL-specific negotiation (SSLRequest, direct TLS) lives in proxy/postgres.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { ClientTlsConfig, ServerTlsConfig } from '../../config/tls.js';
import { SluiceError } from '../../errors.js';

/** A certificate, key or CA file cannot be read or does not make a usable context. */
export class TlsConfigError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) { super('SLUICE_TLS_CONFIG', message, options); }
}

function readPem(path: string, what: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`cannot read the ${what} at ${path} (${key}): ${(err as Error).message}; check the path and that Sluice's user may read it`, { cause: err });
  }
}

/** What a listener needs to accept TLS: its context, and whether it asks clients for certificates. */
export interface ClientTlsContext {
  readonly mode: ClientTlsConfig['mode'];
  readonly context: tls.SecureContext;
  readonly verifyClient: boolean;
}

/** Null when the listener's mode is disable. Throws TlsConfigError naming the file at fault. */
export function clientTlsContext(config: ClientTlsConfig, at: string): ClientTlsContext | null {
  if (config.mode === 'disable') return null;
  const cert = readPem(config.cert, 'certificate', `${at}.cert`);
  const key = readPem(config.key, 'private key', `${at}.key`);
  const ca = config.ca === '' ? undefined : readPem(config.ca, 'CA bundle', `${at}.ca`);
  try {
    return { mode: config.mode, context: tls.createSecureContext({ cert, key, ca, minVersion: 'TLSv1.2' }), verifyClient: config.verify_client };
  } catch (err) {
    throw new TlsConfigError(`${at}: the certificate and key do not make a TLS context: ${(err as Error).message}; check that the key belongs to the certificate and both are PEM`, { cause: err });
  }
}

/** Options for tls.connect towards a host, per libpq's sslmode semantics. Null when disabled. */
export interface ServerTlsOptions {
  readonly mode: ServerTlsConfig['mode'];
  readonly context: tls.SecureContext;
}

export function serverTlsOptions(config: ServerTlsConfig, at: string): ServerTlsOptions | null {
  if (config.mode === 'disable') return null;
  const ca = config.ca === '' ? undefined : readPem(config.ca, 'CA bundle', `${at}.ca`);
  const cert = config.cert === '' ? undefined : readPem(config.cert, 'client certificate', `${at}.cert`);
  const key = config.key === '' ? undefined : readPem(config.key, 'client key', `${at}.key`);
  try {
    return { mode: config.mode, context: tls.createSecureContext({ ca, cert, key, minVersion: 'TLSv1.2' }) };
  } catch (err) {
    throw new TlsConfigError(`${at}: cannot build the TLS context towards the servers: ${(err as Error).message}`, { cause: err });
  }
}
