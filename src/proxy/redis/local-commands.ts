/**
 * Commands Sluice answers itself because they concern the client's own connection, which is
 * its Sluice session (AUTH, HELLO, CLIENT SETNAME/GETNAME/ID/INFO/SETINFO, ACL WHOAMI), and
 * its refusals. The replies follow Redis 7's texts, so client libraries recognise them.
 */
import type { RedisUserConfig } from '../../config/types.js';
import { OK_REPLY, bulkReply, errorReply, integerReply, mapReply, nullBulk, type RespCommand, type RespVersion } from '../../wire/redis/index.js';
import { AUTH_WITHOUT_PASSWORD, NOAUTH, WRONGPASS, checkPassword } from './client-auth.js';

/** The session state local commands read and change. */
export interface LocalSession {
  readonly id: number;
  readonly address: string;
  version: RespVersion;
  name: string;
  /** The authenticated user; null until AUTH when the source has users. */
  user: string | null;
  readonly users: readonly RedisUserConfig[];
  readonly serverVersion: string;
  /** An AUTH (or HELLO ... AUTH) was checked: for the audit trail. */
  loginAttempt(user: string, ok: boolean): void;
  /** A refusal when brute-force protection has locked this user or address out, else null. */
  lockedOut(user: string): Buffer | null;
}

const WRONGPASS_REPLY = Buffer.from(`${WRONGPASS}\r\n`);

export function answerLocal(s: LocalSession, cmd: RespCommand): Buffer {
  if (cmd.argIs(0, 'AUTH')) return auth(s, cmd);
  if (cmd.argIs(0, 'HELLO')) return hello(s, cmd);
  if (cmd.argIs(0, 'ACL')) return bulkReply(s.user ?? 'default');
  if (cmd.argIs(0, 'CLIENT')) return client(s, cmd);
  return errorReply(`ERR unknown command '${cmd.argString(0)}'`);
}

function auth(s: LocalSession, cmd: RespCommand): Buffer {
  if (cmd.argc !== 2 && cmd.argc !== 3) return wrongArity('auth');
  if (cmd.argc === 2 && s.users.length === 0) return errorReply(AUTH_WITHOUT_PASSWORD);
  const user = cmd.argc === 3 ? cmd.argString(1) : 'default';
  const locked = s.lockedOut(user);
  if (locked !== null) return locked;
  const ok = checkPassword(s.users, user, cmd.arg(cmd.argc - 1));
  s.loginAttempt(user, ok);
  if (!ok) return WRONGPASS_REPLY;
  s.user = user;
  return OK_REPLY;
}

/** HELLO [protover [AUTH user password] [SETNAME name]] */
function hello(s: LocalSession, cmd: RespCommand): Buffer {
  let version = s.version;
  let i = 1;
  if (cmd.argc >= 2) {
    const text = cmd.argString(1);
    const asked = /^-?\d{1,18}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(asked)) return errorReply('ERR Protocol version is not an integer or out of range');
    if (asked !== 2 && asked !== 3) return errorReply('NOPROTO unsupported protocol version');
    version = asked;
    i = 2;
  }
  let user: string | null = null;
  let name: string | null = null;
  for (; i < cmd.argc; i++) {
    const more = cmd.argc - i - 1;
    if (cmd.argIs(i, 'AUTH') && more >= 2) {
      user = cmd.argString(i + 1);
      const locked = s.lockedOut(user);
      if (locked !== null) return locked;
      const ok = checkPassword(s.users, user, cmd.arg(i + 2));
      s.loginAttempt(user, ok);
      if (!ok) return WRONGPASS_REPLY;
      i += 2;
    } else if (cmd.argIs(i, 'SETNAME') && more >= 1) {
      name = cmd.argString(i + 1);
      if (!validName(name)) return badName();
      i += 1;
    } else {
      return errorReply(`ERR Syntax error in HELLO option '${cmd.argString(i)}'`);
    }
  }
  if (user !== null) s.user = user;
  if (s.user === null && s.users.length > 0) {
    return errorReply(`NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time`);
  }
  if (name !== null) s.name = name;
  s.version = version;
  return mapReply([
    ['server', 'redis'],
    ['version', s.serverVersion || '7.0.0'],
    ['proto', version],
    ['id', s.id],
    ['mode', 'standalone'],
    ['role', 'master'],
    ['modules', []],
  ], version);
}

function client(s: LocalSession, cmd: RespCommand): Buffer {
  if (cmd.argIs(1, 'ID')) return integerReply(s.id);
  if (cmd.argIs(1, 'GETNAME')) return s.name === '' ? nullBulk(s.version) : bulkReply(s.name);
  if (cmd.argIs(1, 'SETNAME')) {
    if (cmd.argc !== 3) return wrongArity('client|setname');
    const name = cmd.argString(2);
    if (!validName(name)) return badName();
    s.name = name;
    return OK_REPLY;
  }
  if (cmd.argIs(1, 'SETINFO')) return cmd.argc === 4 ? OK_REPLY : wrongArity('client|setinfo');
  if (cmd.argIs(1, 'INFO')) {
    return bulkReply(`id=${s.id} addr=${s.address} name=${s.name} db=0 user=${s.user ?? 'default'} resp=${s.version} sluice=1\n`);
  }
  return errorReply(`ERR unknown subcommand '${cmd.argString(1)}'. Try CLIENT HELP.`);
}

/** Redis refuses names with spaces, newlines and other characters outside '!'..'~'. */
function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function badName(): Buffer {
  return errorReply('ERR Client names cannot contain spaces, newlines or special characters.');
}

function wrongArity(command: string): Buffer {
  return errorReply(`ERR wrong number of arguments for '${command}' command`);
}

export const NOAUTH_REPLY = errorReply(NOAUTH);

/** For commands Sluice refuses (SHUTDOWN, DEBUG, CLIENT KILL ...): they would reach other clients. */
export function refusedReply(cmd: RespCommand): Buffer {
  return errorReply(`ERR command '${commandName(cmd)}' is refused by Sluice: it would act on the server or on other clients' connections, which Sluice shares`);
}

/** "CONFIG SET" for commands with a subcommand, else the name. */
function commandName(cmd: RespCommand): string {
  const name = cmd.argString(0).toUpperCase();
  return cmd.argc > 1 && /^(CLIENT|CONFIG|ACL|CLUSTER|MODULE|SCRIPT|FUNCTION|SLOWLOG|LATENCY)$/.test(name) ? `${name} ${cmd.argString(1).toUpperCase()}` : name;
}
