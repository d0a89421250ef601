/**
 * Logging in to a PostgreSQL server: startup, trust / cleartext / md5 / SCRAM-SHA-256,
 * then ParameterStatus and BackendKeyData up to the first ReadyForQuery.
 */
import { ServerConnectError } from '../../errors.js';
import { AUTH, B } from '../../wire/postgres/constants.js';
import { readNoticeFields, readParameterStatus } from '../../wire/postgres/fields.js';
import { serialize } from '../../wire/postgres/frontend-messages.js';
import { md5Response } from '../../wire/postgres/md5.js';
import { SCRAM_MECHANISM, type ScramClientKeys, ScramClientSession } from '../../wire/postgres/scram.js';

export interface ServerCredentials {
  user: string;
  password: string;
  database: string;
  /** SCRAM pass-through: used instead of `password` (then a stored verifier) for SCRAM. */
  scramKeys?: ScramClientKeys;
}

export interface LoginResult {
  params: Map<string, string>;
  backendPid: number;
  backendSecret: number;
}

/** Feeds login-phase messages; `write` sends our answers. Resolves through `done`. */
export class ServerLogin {
  private readonly creds: ServerCredentials;
  private readonly write: (b: Buffer) => void;
  private scram: ScramClientSession | null = null;
  readonly params = new Map<string, string>();
  backendPid = 0;
  backendSecret = 0;

  constructor(creds: ServerCredentials, write: (b: Buffer) => void) {
    this.creds = creds;
    this.write = write;
  }

  startupMessage(applicationName: string): Buffer {
    return serialize.startup({ user: this.creds.user, database: this.creds.database, application_name: applicationName });
  }

  /** Handle one message; returns true when login is complete (ReadyForQuery seen). Throws ServerConnectError. */
  onMessage(type: number, buf: Buffer, start: number, end: number): boolean {
    switch (type) {
      case B.Authentication: this.onAuth(buf, start, end); return false;
      case B.ParameterStatus: {
        const [name, value] = readParameterStatus(buf, start, end);
        this.params.set(name, value);
        return false;
      }
      case B.BackendKeyData:
        this.backendPid = buf.readInt32BE(start + 5);
        this.backendSecret = buf.readInt32BE(start + 9);
        return false;
      case B.ReadyForQuery: return true;
      case B.ErrorResponse: {
        const f = readNoticeFields(buf, start, end);
        const sqlstate = f.get('C') ?? '?';
        // Class 28 (authorization) and 3D000 (no such database) will not cure themselves; 57P03
        // (starting up) and 53300 (too many connections) may, so those waiters keep waiting.
        const refused = sqlstate.startsWith('28') || sqlstate === '3D000';
        throw new ServerConnectError(`server refused login as "${this.creds.user}" to database "${this.creds.database}": ${f.get('M') ?? 'unknown error'} (SQLSTATE ${sqlstate})`, { refused });
      }
      case B.NoticeResponse:
      case B.NegotiateProtocolVersion:
        return false;
      default:
        throw new ServerConnectError(`unexpected message '${String.fromCharCode(type)}' from server during login`);
    }
  }

  private onAuth(buf: Buffer, start: number, end: number): void {
    const code = buf.readInt32BE(start + 5);
    switch (code) {
      case AUTH.Ok: return;
      case AUTH.CleartextPassword: this.write(serialize.password(this.creds.password)); return;
      case AUTH.MD5Password: {
        const salt = buf.subarray(start + 9, start + 13);
        this.write(serialize.password(md5Response(this.creds.user, this.creds.password, salt)));
        return;
      }
      case AUTH.SASL: {
        const mechanisms = buf.toString('utf8', start + 9, end).split('\0').filter(Boolean);
        if (!mechanisms.includes(SCRAM_MECHANISM)) {
          throw new ServerConnectError(`server offers SASL mechanisms ${mechanisms.join(', ')}; Sluice supports ${SCRAM_MECHANISM}`);
        }
        this.scram = new ScramClientSession(this.creds.scramKeys ?? this.creds.password);
        this.write(serialize.sendSASLInitialResponseMessage(SCRAM_MECHANISM, this.scram.clientFirst().toString('utf8')));
        return;
      }
      case AUTH.SASLContinue: {
        if (!this.scram) throw new ServerConnectError('server sent SASLContinue before SASL');
        const final = this.scram.handleServerFirst(buf.subarray(start + 9, end));
        this.write(serialize.sendSCRAMClientFinalMessage(final.toString('utf8')));
        return;
      }
      case AUTH.SASLFinal: {
        if (!this.scram) throw new ServerConnectError('server sent SASLFinal before SASL');
        try {
          this.scram.verifyServerFinal(buf.subarray(start + 9, end));
        } catch (err) {
          throw new ServerConnectError(`server's SCRAM signature did not verify: ${(err as Error).message}`, { cause: err });
        }
        return;
      }
      default:
        throw new ServerConnectError(`server asks for authentication method ${code}, which Sluice does not support (use scram-sha-256, md5, password or trust)`);
    }
  }
}
