/**
 * The `secrets:` section is read before the rest of the file, because it says how to reach
 * the stores that the rest refers to. Its own values may use only `${env:...}`, `${file:...}`
 * and `${secret:...}`: a Vault token cannot come from Vault.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SecretBackends, type SecretBackendsOptions } from '../auth/secrets/backends/secret-backends.js';
import { coerceSubstituted } from './coerce.js';
import { substituteReferences, type ReferenceContext, type ReferenceResolvers } from './references.js';
import { SecretsSchema } from './schema.js';
import { schemaIssues } from './schema-issues.js';

const SectionSchema = Type.Object({ secrets: Type.Optional(SecretsSchema) });

export type SectionResult = { backends: SecretBackends; issues?: never } | { backends?: never; issues: readonly string[] };

/**
 * Backends for the section in `tree`; `current` is kept (with its tokens, leases and cache)
 * when the section is unchanged, so a reload does not fetch new database credentials.
 */
export async function openSecretSection(tree: unknown, local: ReferenceResolvers, context: ReferenceContext, current?: SecretBackends, options?: SecretBackendsOptions): Promise<SectionResult> {
  const raw = tree !== null && typeof tree === 'object' ? (tree as Record<string, unknown>)['secrets'] : undefined;
  const substitution = await substituteReferences({ secrets: raw }, local, context);
  if (substitution.issues.length > 0) return { issues: substitution.issues };
  const section = substitution.value;
  coerceSubstituted(SectionSchema, section, substitution.substituted);
  if (!Value.Check(SectionSchema, section)) return { issues: schemaIssues(SectionSchema, section) };
  const fingerprint = createHash('sha256').update(JSON.stringify(section.secrets ?? {})).digest('hex');
  if (current !== undefined && current.fingerprint === fingerprint) return { backends: current };
  const file = local['file'];
  const secret = local['secret'];
  if (file === undefined || secret === undefined) throw new TypeError('the file and secret resolvers are required');
  return { backends: new SecretBackends(section.secrets, { file, secret }, fingerprint, options) };
}
