/**
 * A throw-away certificate authority for TLS tests, made with the openssl command line: a CA,
 * a server certificate for 127.0.0.1 and localhost, a client certificate, and a second CA that
 * signed nothing (for "does not verify" cases). ECDSA P-256 keys, as fast to make as to use.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaCert: string;
  /** PEM contents of the files above, by the same names. */
  pem: Record<'caCert' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCaCert', string>;
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

/** A key and a certificate signed by ca.crt, with the X.509 extensions in `<name>.ext`. */
async function makeLeaf(dir: string, name: string, cn: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
}

export async function makeTestPki(clientCn = 'sluice-test-client'): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pki-'));
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  await makeLeaf(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await makeLeaf(dir, 'client', clientCn, 'extendedKeyUsage=clientAuth\n');
  const files = {
    caCert: join(dir, 'ca.crt'), serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'), clientKey: join(dir, 'client.key'), otherCaCert: join(dir, 'other-ca.crt'),
  };
  const pem = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([k, p]) => [k, await readFile(p, 'utf8')]))) as TestPki['pem'];
  return { dir, ...files, pem, remove: () => rm(dir, { recursive: true, force: true }) };
}
