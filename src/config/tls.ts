/**
 * TLS settings in the YAML: `client_tls` on a listener (towards applications) and `server_tls`
 * on a source (towards its hosts). The names and modes are PgBouncer's and libpq's, so an
 * operator's `client_tls_sslmode = require` or `sslmode=verify-full` reads the same here.
 * Certificates and keys are PEM file paths, read when the listener or pool starts and again
 * at reload.
 */
import { Type, type Static } from '@sinclair/typebox';

/** `allow`: TLS when the client asks for it; `require`: plain-text logins are refused. */
export const CLIENT_TLS_MODES = ['disable', 'allow', 'require'] as const;
/** libpq's sslmode values that make sense for a pooler (no `allow`: Sluice always asks first). */
export const SERVER_TLS_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export type ClientTlsMode = (typeof CLIENT_TLS_MODES)[number];
export type ServerTlsMode = (typeof SERVER_TLS_MODES)[number];

function modeUnion<const T extends readonly string[]>(values: T, fallback: T[number]) {
  return Type.Unsafe<T[number]>(Type.Union(values.map((value) => Type.Literal(value)), { default: fallback }));
}

/** About a tenth of a core's worth of handshakes (ECDSA P-256 plus a login is ~0.7 ms of CPU). */
export const DEFAULT_BUSY_HANDSHAKE_RATE = 100;

const PemPath = Type.String({ minLength: 1, expected: 'the path of a PEM file' });

export const ClientTlsSchema = Type.Object({
  mode: Type.Optional(modeUnion(CLIENT_TLS_MODES, 'disable')),
  cert: Type.Optional(PemPath),
  key: Type.Optional(PemPath),
  /** CA bundle that client certificates must chain to (verify_client). */
  ca: Type.Optional(PemPath),
  /** Ask every TLS client for a certificate and refuse one that does not verify against `ca` (mTLS). */
  verify_client: Type.Optional(Type.Boolean({ default: false })),
  /**
   * While Sluice's event loop is busy, new TLS handshakes start at most this many a second so
   * established clients keep their throughput (proxy/tls/handshake-gate.ts); 0 never paces.
   */
  busy_handshake_rate: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_BUSY_HANDSHAKE_RATE, expected: 'handshakes per second, 0 for no pacing' })),
}, { additionalProperties: false });

export const ServerTlsSchema = Type.Object({
  mode: Type.Optional(modeUnion(SERVER_TLS_MODES, 'disable')),
  /** CA bundle the server's certificate must chain to (verify-ca, verify-full). */
  ca: Type.Optional(PemPath),
  /** Client certificate and key Sluice presents, for servers that ask (clientcert=verify-full). */
  cert: Type.Optional(PemPath),
  key: Type.Optional(PemPath),
}, { additionalProperties: false });

export type RawClientTls = Static<typeof ClientTlsSchema>;
export type RawServerTls = Static<typeof ServerTlsSchema>;

export interface ClientTlsConfig {
  mode: ClientTlsMode;
  cert: string;
  key: string;
  ca: string;
  verify_client: boolean;
  busy_handshake_rate: number;
}

export interface ServerTlsConfig {
  mode: ServerTlsMode;
  ca: string;
  cert: string;
  key: string;
}

export const CLIENT_TLS_DISABLED: ClientTlsConfig = { mode: 'disable', cert: '', key: '', ca: '', verify_client: false, busy_handshake_rate: DEFAULT_BUSY_HANDSHAKE_RATE };
export const SERVER_TLS_DISABLED: ServerTlsConfig = { mode: 'disable', ca: '', cert: '', key: '' };

type Issue = (key: string, problem: string) => void;

/** Defaults filled, and the combinations that cannot work reported against their keys. */
export function resolveClientTls(raw: RawClientTls | undefined, issue: Issue): ClientTlsConfig {
  if (raw === undefined) return CLIENT_TLS_DISABLED;
  const tls: ClientTlsConfig = { mode: raw.mode ?? 'disable', cert: raw.cert ?? '', key: raw.key ?? '', ca: raw.ca ?? '', verify_client: raw.verify_client ?? false, busy_handshake_rate: raw.busy_handshake_rate ?? DEFAULT_BUSY_HANDSHAKE_RATE };
  if (tls.mode !== 'disable') {
    if (tls.cert === '') issue('cert', `required when mode is ${tls.mode}; give the path of the server certificate (PEM) Sluice presents to clients`);
    if (tls.key === '') issue('key', `required when mode is ${tls.mode}; give the path of the certificate's private key (PEM)`);
  }
  if (tls.verify_client && tls.ca === '') issue('ca', 'required when verify_client is true; give the CA bundle (PEM) client certificates must chain to');
  return tls;
}

export function resolveServerTls(raw: RawServerTls | undefined, issue: Issue): ServerTlsConfig {
  if (raw === undefined) return SERVER_TLS_DISABLED;
  const tls: ServerTlsConfig = { mode: raw.mode ?? 'disable', ca: raw.ca ?? '', cert: raw.cert ?? '', key: raw.key ?? '' };
  if ((tls.mode === 'verify-ca' || tls.mode === 'verify-full') && tls.ca === '') {
    issue('ca', `required when mode is ${tls.mode}; give the CA bundle (PEM) the server's certificate must chain to`);
  }
  if ((tls.cert === '') !== (tls.key === '')) issue(tls.cert === '' ? 'cert' : 'key', 'cert and key go together; give both or neither');
  return tls;
}
