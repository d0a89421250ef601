/**
 * SCRAM pass-through (PgBouncer's technique): a user whose password is configured as a SCRAM
 * verifier (`SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey`, as pg_authid holds it) logs in
 * to Sluice with SCRAM; the client's proof reveals its ClientKey, and ClientKey with the
 * verifier's ServerKey log in to a server holding the same verifier. Sluice never holds the
 * password. The keys are learnt at the user's first SCRAM login and kept in memory only.
 */
import { createHash } from 'node:crypto';
import type { UserConfig } from '../config/types.js';
import { ServerConnectError } from '../errors.js';
import { parseScramVerifier, type ScramClientKeys } from '../wire/postgres/scram.js';

export class ScramPassThrough {
  private readonly clientKeys = new Map<string, Buffer>();

  /** A client proved its password against `user.password`; keep the ClientKey when that is a verifier. */
  learn(user: UserConfig, clientKey: Buffer): void {
    if (parseScramVerifier(user.password) !== null) this.clientKeys.set(user.name, clientKey);
  }

  /**
   * The keys to log in with when `serverSecret` is a SCRAM verifier; undefined when it is a
   * password (or an md5 hash, which md5 logins use as is).
   */
  keysFor(userName: string, serverSecret: string): ScramClientKeys | undefined {
    const verifier = parseScramVerifier(serverSecret);
    if (verifier === null) return undefined;
    const clientKey = this.clientKeys.get(userName);
    if (clientKey === undefined || !createHash('sha256').update(clientKey).digest().equals(verifier.storedKey)) {
      throw new ServerConnectError(`user "${userName}" has a SCRAM verifier, not a password: Sluice can log in to the server only after a client has logged in as this user with SCRAM-SHA-256 and the same verifier`, { refused: true });
    }
    return { clientKey, serverKey: verifier.serverKey };
  }
}
