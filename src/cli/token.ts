/**
 * `sluice token create --role viewer|operator|admin [--name NAME] [--json]`: make an admin
 * bearer token. Only its hash goes into the configuration, so the token is printed once here
 * and nowhere else; the caller keeps it.
 */
import { randomBytes } from 'node:crypto';
import { ADMIN_ROLES, type AdminRole } from '../auth/admin-roles.js';
import { generateAdminToken, hashAdminToken } from '../auth/admin-tokens.js';
import { parseCommand, usageError } from './usage.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

function isRole(value: string): value is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(value);
}

export function runToken(args: string[]): number {
  const parsed = parseCommand(args, { role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (typeof parsed === 'number') return parsed;
  const [action, ...extra] = parsed.positionals;
  if (action !== 'create' || extra.length > 0) return usageError('token takes one action: create');
  const role = parsed.values.role;
  if (role === undefined || !isRole(role)) return usageError(`token create needs --role ${ADMIN_ROLES.join('|')}`);
  const name = parsed.values.name ?? `${role}-${randomBytes(3).toString('hex')}`;
  if (!NAME.test(name)) return usageError(`--name may hold letters, digits and . _ @ - (got "${name}")`);

  const token = generateAdminToken();
  const hash = hashAdminToken(token);
  if (parsed.values.json === true) {
    process.stdout.write(`${JSON.stringify({ name, role, token, hash })}\n`);
    return 0;
  }
  process.stdout.write(`${token}\n`);
  process.stderr.write([
    `The line above is the ${role} token "${name}". It is shown only now: Sluice keeps just its hash.`,
    'Use it as "Authorization: Bearer <token>". Add this line under admin.tokens in the configuration,',
    'then reload (SIGHUP, or POST /v1/reload with an admin token):',
    '',
  ].join('\n'));
  process.stdout.write(`    - { name: ${name}, role: ${role}, hash: "${hash}" }\n`);
  return 0;
}
