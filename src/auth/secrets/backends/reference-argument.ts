/** The `LOCATION#FIELD` form shared by `${vault:...}`, `${vault-db:...}` and `${aws-sm:...}`. */
import { SecretBackendError } from '../../../errors.js';

export interface LocatedField { location: string; field: string | undefined }

export function splitField(argument: string, scheme: string, form: string): LocatedField {
  const hash = argument.lastIndexOf('#');
  const location = hash < 0 ? argument : argument.slice(0, hash);
  const field = hash < 0 ? undefined : argument.slice(hash + 1);
  if (location === '' || field === '') {
    throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `\${${scheme}:${argument}} is not of the form \${${scheme}:${form}}`);
  }
  return { location, field };
}

/** One field of a secret's key/value data as text; numbers and booleans are written as YAML would. */
export function pickField(data: Record<string, unknown>, field: string, what: string): string {
  if (!Object.hasOwn(data, field)) {
    const known = Object.keys(data).sort().join(', ') || 'none';
    throw new SecretBackendError('SLUICE_SECRET_NOT_FOUND', `${what} has no field "${field}" (fields: ${known})`);
  }
  const value = data[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what}: field "${field}" is not text`);
}
