/**
 * The shared wording of configuration issues: `sources.bench.hosts[0].port: must be ...`.
 * Every issue names the key path the operator has to edit, in the form they wrote it.
 */

export type KeyPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'server_password', 'secret', 'token', 'hash', 'secret_id', 'client_secret', 'secret_access_key', 'private_key', 'private_key_passphrase']);

/** `sources.bench.hosts[0].port`; numbers are list indexes, odd keys are quoted. */
export function formatPath(path: KeyPath): string {
  if (path.length === 0) return '(top level)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** How a wrong value is echoed back; secrets are not, since issues end up in logs. */
export function showValue(value: unknown, path: KeyPath = []): string {
  const key = path[path.length - 1];
  if (typeof key === 'string' && SECRET_KEYS.has(key)) return '[redacted]';
  if (value === null) return 'an empty value';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  // A URL's password (`postgres://user:pw@host/db`) is a secret wherever the URL sits.
  if (typeof value === 'string') return JSON.stringify(value.replace(/(\/\/[^/:@\s]+:)[^/@\s]+@/, '$1***@'));
  return String(value);
}
