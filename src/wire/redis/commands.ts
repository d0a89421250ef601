/**
 * What each Redis command needs from the proxy. The class says how a client that holds no
 * dedicated server connection is served; once a client holds one (in MULTI, after SELECT 3,
 * while blocked...), the session sends it everything but 'refused' and 'local' commands.
 *
 *  shared     whichever pooled connection, pipelined with other clients' commands: the command
 *             leaves no state on the connection.
 *  read       as shared, and it only reads the keyspace, so a replica may answer (the flag
 *             Redis calls readonly; SCAN cursors may then come from different replicas).
 *  dedicated  the command leaves state on the connection (transactions, WATCH, SELECT of
 *             another db, client tracking, MONITOR) or blocks it (BLPOP..., XREAD BLOCK,
 *             WAIT): the client gets a connection of its own until that state is gone.
 *  pubsub     the connection enters subscriber mode; the proxy serves it from a subscriber
 *             connection and routes push messages.
 *  local      Sluice answers it itself: it concerns the client's own connection, which is the
 *             Sluice session, not a pooled server connection (AUTH, HELLO, QUIT, RESET, CLIENT
 *             SETNAME/GETNAME/ID/INFO/SETINFO, ACL WHOAMI). A pooled connection must not carry
 *             one client's name, user or protocol version to the next.
 *  refused    never sent: it acts on the server or on other clients' connections, which are
 *             Sluice's pooled ones (SHUTDOWN, DEBUG, CLIENT KILL/PAUSE/UNBLOCK, replication and
 *             cluster changes, CONFIG SET unless allowed, ACL changes, SAVE...), or it breaks
 *             the one-reply-per-command accounting of a shared connection (CLIENT REPLY), or it
 *             is a cluster-mode connection flag (READONLY, ASKING) while Sluice presents a
 *             standalone server, or Redis treats it as an attack (POST, HOST:).
 *
 * PING and ECHO are shared, not local: forwarding keeps the reply in order behind pipelined
 * commands at no cost and makes PING prove that a server answers. Unknown commands are shared:
 * the server answers "unknown command" without changing anything, and module commands work.
 */
import type { CommandArgs } from './command-args.js';

export type CommandClass = 'shared' | 'read' | 'dedicated' | 'pubsub' | 'local' | 'refused';

export interface ClassifyOptions {
  /** The db the pooled connections use: SELECT of it needs no dedicated connection. */
  readonly defaultDb?: number;
  /** Let CONFIG SET, REWRITE and RESETSTAT through as shared commands (refused by default). */
  readonly allowConfigWrites?: boolean;
}

const words = (list: string): string[] => list.trim().split(/\s+/);

/** Commands Redis flags readonly that read the keyspace (Redis 7.0, plus 7.4 hash-field TTLs and 8.0 vector sets). */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(words(`
  BITCOUNT BITFIELD_RO BITPOS DBSIZE DUMP EVAL_RO EVALSHA_RO EXISTS EXPIRETIME FCALL_RO
  GEODIST GEOHASH GEOPOS GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH GET GETBIT GETRANGE
  HEXISTS HEXPIRETIME HGET HGETALL HKEYS HLEN HMGET HPEXPIRETIME HPTTL HRANDFIELD HSCAN HSTRLEN
  HTTL HVALS KEYS LCS LINDEX LLEN LPOS LRANGE MGET PEXPIRETIME PFCOUNT PTTL RANDOMKEY SCAN SCARD
  SDIFF SINTER SINTERCARD SISMEMBER SMEMBERS SMISMEMBER SORT_RO SRANDMEMBER SSCAN STRLEN SUBSTR
  SUNION TTL TYPE VCARD VDIM VEMB VGETATTR VINFO VLINKS VRANDMEMBER VSIM XLEN XPENDING XRANGE
  XREVRANGE ZCARD ZCOUNT ZDIFF ZINTER ZINTERCARD ZLEXCOUNT ZMSCORE ZRANDMEMBER ZRANGE
  ZRANGEBYLEX ZRANGEBYSCORE ZRANK ZREVRANGE ZREVRANGEBYLEX ZREVRANGEBYSCORE ZREVRANK ZSCAN
  ZSCORE ZUNION
`));

/** Classes that do not depend on arguments; commands missing here and below are shared. */
const BY_NAME: ReadonlyMap<string, CommandClass> = new Map([
  ...words('MULTI EXEC DISCARD WATCH UNWATCH MONITOR WAIT WAITAOF').map((n) => [n, 'dedicated'] as const),
  ...words('BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP').map((n) => [n, 'dedicated'] as const),
  ...words('SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE').map((n) => [n, 'pubsub'] as const),
  ...words('AUTH HELLO QUIT RESET').map((n) => [n, 'local'] as const),
  ...words(`
    SHUTDOWN DEBUG FAILOVER REPLICAOF SLAVEOF SYNC PSYNC REPLCONF MIGRATE RESTORE-ASKING ASKING
    READONLY READWRITE SAVE BGSAVE BGREWRITEAOF PFDEBUG PFSELFTEST POST HOST:
  `).map((n) => [n, 'refused'] as const),
  ...[...READ_ONLY_COMMANDS].map((n) => [n, 'read'] as const),
]);

interface Subcommands {
  readonly bySub: ReadonlyMap<string, CommandClass>;
  /** The class of subcommands not listed. */
  readonly other: CommandClass;
}

function subcommands(other: CommandClass, groups: Partial<Record<CommandClass, string>>): Subcommands {
  const bySub = new Map<string, CommandClass>();
  for (const [cls, list] of Object.entries(groups) as [CommandClass, string][]) {
    for (const sub of words(list)) bySub.set(sub, cls);
  }
  return { bySub, other };
}

/** Commands whose class depends on their subcommand (argument 1). */
const BY_SUBCOMMAND: ReadonlyMap<string, Subcommands> = new Map([
  // Unknown CLIENT subcommands are taken to act on the connection, as all known ones do.
  ['CLIENT', subcommands('dedicated', {
    shared: 'LIST HELP',
    local: 'SETNAME GETNAME ID INFO SETINFO',
    dedicated: 'TRACKING CACHING GETREDIR TRACKINGINFO NO-EVICT NO-TOUCH',
    refused: 'KILL PAUSE UNPAUSE UNBLOCK REPLY',
  })],
  ['CONFIG', subcommands('shared', { refused: 'SET REWRITE RESETSTAT' })],
  ['ACL', subcommands('shared', { local: 'WHOAMI', refused: 'SETUSER DELUSER LOAD SAVE' })],
  ['CLUSTER', subcommands('shared', {
    refused: `ADDSLOTS ADDSLOTSRANGE BUMPEPOCH DELSLOTS DELSLOTSRANGE FAILOVER FLUSHSLOTS FORGET
      MEET REPLICATE RESET SAVECONFIG SET-CONFIG-EPOCH SETSLOT`,
  })],
  ['MODULE', subcommands('shared', { refused: 'LOAD LOADEX UNLOAD' })],
  ['SCRIPT', subcommands('shared', { refused: 'KILL' })],
  ['FUNCTION', subcommands('shared', { refused: 'KILL' })],
  ['SLOWLOG', subcommands('shared', { refused: 'RESET' })],
  ['LATENCY', subcommands('shared', { refused: 'RESET' })],
  ['OBJECT', subcommands('shared', { read: 'ENCODING FREQ IDLETIME REFCOUNT' })],
  ['MEMORY', subcommands('shared', { read: 'USAGE' })],
  ['XINFO', subcommands('shared', { read: 'CONSUMERS GROUPS STREAM' })],
]);

/**
 * The class of a command (see the top of this file). The name and subcommand are matched
 * ignoring case; arguments decide SELECT (dedicated unless it selects `defaultDb`), XREAD and
 * XREADGROUP (dedicated with BLOCK, else read and shared), ACL LOG RESET (refused) and CONFIG
 * writes (per `allowConfigWrites`). A command without a subcommand is shared: the server
 * answers its arity error.
 */
export function classifyCommand(cmd: CommandArgs, options: ClassifyOptions = {}): CommandClass {
  if (cmd.argc === 0) return 'refused';
  const name = cmd.argString(0).toUpperCase();
  switch (name) {
    case 'SELECT':
      return cmd.argc === 2 && cmd.argString(1) !== String(options.defaultDb ?? 0) ? 'dedicated' : 'shared';
    case 'XREAD':
      return blocksStream(cmd) ? 'dedicated' : 'read';
    case 'XREADGROUP':
      return blocksStream(cmd) ? 'dedicated' : 'shared';
    case 'ACL':
      if (cmd.argIs(1, 'LOG') && cmd.argIs(2, 'RESET')) return 'refused';
      break;
    case 'CONFIG':
      if (options.allowConfigWrites === true) return 'shared';
      break;
  }
  const byName = BY_NAME.get(name);
  if (byName !== undefined) return byName;
  const subs = BY_SUBCOMMAND.get(name);
  if (subs === undefined || cmd.argc < 2) return 'shared';
  return subs.bySub.get(cmd.argString(1).toUpperCase()) ?? subs.other;
}

/**
 * The options of XREAD / XREADGROUP (before STREAMS) hold BLOCK <ms>, read as Redis reads
 * them (xreadCommand), so that a group or count named "block" is not taken for the option.
 */
function blocksStream(cmd: CommandArgs): boolean {
  for (let i = 1; i < cmd.argc; i++) {
    const more = cmd.argc - i - 1;
    if (cmd.argIs(i, 'BLOCK') && more >= 1) return true;
    if (cmd.argIs(i, 'COUNT') && more >= 1) i++;
    else if (cmd.argIs(i, 'GROUP') && more >= 2) i += 2;
    else if (!cmd.argIs(i, 'NOACK')) return false; // STREAMS, or a syntax error the server answers
  }
  return false;
}
