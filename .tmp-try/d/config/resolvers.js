/** The built-in reference schemes: `${env:NAME}` and `${file:PATH}`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envResolver = (name, { env }) => {
    if (!ENV_NAME.test(name))
        throw new Error(`"${name}" is not an environment variable name; expected letters, digits and _`);
    const value = env[name];
    if (value === undefined)
        throw new Error(`environment variable ${name} is not set`);
    return value;
};
/** File contents with one trailing newline dropped: `echo secret > file` should mean "secret". */
export const fileResolver = async (path, { baseDir }) => {
    const absolute = resolve(baseDir, path);
    let text;
    try {
        text = await readFile(absolute, 'utf8');
    }
    catch (err) {
        const code = err.code ?? 'error';
        throw new Error(`cannot read ${absolute} (${code})`, { cause: err });
    }
    return text.replace(/\r?\n$/, '');
};
export const defaultResolvers = { env: envResolver, file: fileResolver };
//# sourceMappingURL=resolvers.js.map