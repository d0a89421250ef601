/** The built-in reference schemes: `${env:NAME}`, `${file:PATH}` and `${secret:NAME}` (the local credential store). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { secretResolver } from '../auth/secrets/secret-resolver.js';
import type { ReferenceResolver, ReferenceResolvers } from './references.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const envResolver: ReferenceResolver = (name, { env }) => {
  if (!ENV_NAME.test(name)) throw new Error(`"${name}" is not an environment variable name; expected letters, digits and _`);
  const value = env[name];
  if (value === undefined) throw new Error(`environment variable ${name} is not set`);
  return value;
};

/** File contents with one trailing newline dropped: `echo secret > file` should mean "secret". */
export const fileResolver: ReferenceResolver = async (path, { baseDir }) => {
  const absolute = resolve(baseDir, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`cannot read ${absolute} (${code})`, { cause: err });
  }
  return text.replace(/\r?\n$/, '');
};

export const defaultResolvers: ReferenceResolvers = { env: envResolver, file: fileResolver, secret: secretResolver };
