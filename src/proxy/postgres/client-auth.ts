/**
 * Authenticating a client that logs in to Sluice: trust, md5 or SCRAM-SHA-256 against the
 * source's user list. Each method is a small exchange of 'p' messages.
 */
import { randomBytes } from 'node:crypto';
import type { ClientAuthMethod, UserConfig } from '../../config/types.js';
import { AUTH_OK, authMd5Request, authSaslContinue, authSaslFinal, authSaslRequest } from '../../wire/postgres/backend-messages.js';
import { F } from '../../wire/postgres/constants.js';
import { cstringEnd } from '../../wire/postgres/fields.js';
import { md5Verify } from '../../wire/postgres/md5.js';
import { SCRAM_MECHANISM, ScramServerSession, type ScramVerifier } from '../../wire/postgres/scram.js';

export type AuthStep =
  | { kind: 'send'; msg: Buffer }
  | { kind: 'ok'; msg: Buffer }
  | { kind: 'fail'; reason: string };

/** Where SCRAM verifiers come from; derived once per user, not once per login. */
export interface VerifierSource {
  scramVerifier(user: UserConfig): ScramVerifier;
  /** A SCRAM login succeeded: the client's ClientKey, for SCRAM pass-through to the servers. */
  learnClientKey?(user: UserConfig, clientKey: Buffer): void;
}

export class ClientAuthenticator {
  private readonly method: ClientAuthMethod;
  private readonly user: UserConfig;
  private readonly verifiers: VerifierSource;
  private md5Salt: Buffer | null = null;
  private scram: ScramServerSession | null = null;
  private scramStarted = false;

  constructor(method: ClientAuthMethod, user: UserConfig, verifiers: VerifierSource) {
    this.method = method;
    this.user = user;
    this.verifiers = verifiers;
  }

  /** The first message towards the client. */
  begin(): AuthStep {
    switch (this.method) {
      case 'trust': return { kind: 'ok', msg: AUTH_OK };
      case 'md5':
        this.md5Salt = randomBytes(4);
        return { kind: 'send', msg: authMd5Request(this.md5Salt) };
      case 'scram-sha-256':
        this.scram = new ScramServerSession(this.verifiers.scramVerifier(this.user));
        return { kind: 'send', msg: authSaslRequest([SCRAM_MECHANISM]) };
    }
  }

  /** A message from the client during authentication. Throws ProtocolError/AuthProtocolError on malformed input. */
  onMessage(type: number, buf: Buffer, start: number, end: number): AuthStep {
    if (type !== F.Password) return { kind: 'fail', reason: `expected a password message, got '${String.fromCharCode(type)}'` };
    if (this.md5Salt !== null) {
      const response = buf.toString('utf8', start + 5, cstringEnd(buf, start + 5, end));
      return md5Verify(this.user.password, this.user.name, this.md5Salt, response)
        ? { kind: 'ok', msg: AUTH_OK }
        : { kind: 'fail', reason: 'password does not match' };
    }
    if (this.scram !== null) return this.onScram(buf, start, end);
    return { kind: 'fail', reason: 'unexpected password message' };
  }

  private onScram(buf: Buffer, start: number, end: number): AuthStep {
    const scram = this.scram!;
    if (!this.scramStarted) {
      // SASLInitialResponse: mechanism name, int32 length, data.
      const mechEnd = cstringEnd(buf, start + 5, end);
      const mechanism = buf.toString('utf8', start + 5, mechEnd);
      if (mechanism !== SCRAM_MECHANISM) return { kind: 'fail', reason: `unsupported SASL mechanism "${mechanism}"` };
      if (mechEnd + 5 > end) return { kind: 'fail', reason: 'malformed SASLInitialResponse' };
      const len = buf.readInt32BE(mechEnd + 1);
      const dataStart = mechEnd + 5;
      if (len < 0 || dataStart + len > end) return { kind: 'fail', reason: 'malformed SASLInitialResponse' };
      this.scramStarted = true;
      return { kind: 'send', msg: authSaslContinue(scram.handleClientFirst(buf.subarray(dataStart, dataStart + len))) };
    }
    const result = scram.handleClientFinal(buf.subarray(start + 5, end));
    if (!result.ok) return { kind: 'fail', reason: result.reason };
    this.verifiers.learnClientKey?.(this.user, result.clientKey);
    return { kind: 'ok', msg: Buffer.concat([authSaslFinal(result.serverFinal), AUTH_OK]) };
  }
}
