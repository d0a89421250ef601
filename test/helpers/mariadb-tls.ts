/**
 * A throw-away MariaDB with TLS, for server_tls tests: its own data directory under /tmp,
 * started as mysql-replication.ts starts its nodes (as the `mysql` OS user, root over the
 * Unix socket), with the server certificate of a test PKI (tls-certs.ts). Users: `tlsonly`
 * (REQUIRE SSL), `certonly` (REQUIRE X509: a client certificate from the PKI's CA) and
 * `plain` (no requirement), all with password `pw` and every right on database `app`.
 */
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asMysql, type MariadbNode, osIds, startNode } from './mysql-replication.js';
import type { TestPki } from './tls-certs.js';

export const TLS_USER = 'tlsonly';
export const CERT_USER = 'certonly';
export const PLAIN_USER = 'plain';
export const TLS_TEST_PASSWORD = 'pw';
export const TLS_TEST_DB = 'app';

export interface MariadbTls {
  readonly node: MariadbNode;
  destroy(): Promise<void>;
}

export async function startMariadbTls(pki: TestPki): Promise<MariadbTls> {
  const dir = await mkdtemp('/tmp/sluice-mariadb-tls-');
  const { uid, gid } = await osIds();
  await chown(dir, uid, gid);
  // mariadbd runs as mysql and reads the certificate files itself.
  for (const path of [pki.dir, pki.caCert, pki.serverCert, pki.serverKey]) await chown(path, uid, gid);
  let node: MariadbNode | null = null;
  const destroy = async (): Promise<void> => {
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const data = join(dir, 'data');
    await asMysql('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db']);
    node = await startNode(dir, 'tls', data, 1, [`--ssl-cert=${pki.serverCert}`, `--ssl-key=${pki.serverKey}`, `--ssl-ca=${pki.caCert}`]);
    await node.query(`CREATE DATABASE ${TLS_TEST_DB}`);
    for (const [user, require] of [[TLS_USER, ' REQUIRE SSL'], [CERT_USER, ' REQUIRE X509'], [PLAIN_USER, '']] as const) {
      await node.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${TLS_TEST_PASSWORD}'${require}`);
      await node.query(`GRANT ALL ON ${TLS_TEST_DB}.* TO '${user}'@'%'`);
    }
    return { node, destroy };
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
}
