// Tests of Redis command classification: every rule of the table with an example, argument-
// dependent cases (SELECT, XREAD/XREADGROUP BLOCK, ACL LOG RESET, CONFIG writes), case
// insensitivity, and that classifying a parsed command reads the same as a list of arguments.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { commandArgs } from '../../src/wire/redis/command-args.js';
import { RespCommandParser } from '../../src/wire/redis/command-parser.js';
import { type ClassifyOptions, type CommandClass, READ_ONLY_COMMANDS, classifyCommand } from '../../src/wire/redis/commands.js';

const classify = (line: string, options?: ClassifyOptions): CommandClass => classifyCommand(commandArgs(line.split(' ')), options);

function expectAll(t: Test, want: CommandClass, lines: readonly string[], options?: ClassifyOptions): void {
  for (const line of lines) t.equal(classify(line, options), want, line);
}

t.test('shared: stateless commands, writes, unknown and module commands, container defaults', async (t) => {
  expectAll(t, 'shared', [
    'SET k v', 'DEL k', 'INCR k', 'EVAL s 0', 'FCALL f 0', 'PUBLISH ch m', 'SPUBLISH ch m', 'PUBSUB CHANNELS',
    'PING', 'ECHO x', 'INFO', 'TIME', 'ROLE', 'LASTSAVE', 'COMMAND', 'COMMAND DOCS GET', 'FLUSHDB', 'SWAPDB 0 1',
    'TOUCH k', 'SORT k', 'GEORADIUS k 0 0 1 km', 'XREADGROUP GROUP g c STREAMS s >', 'XADD s * f v',
    'CLIENT LIST', 'CLIENT HELP', 'CONFIG GET maxmemory', 'ACL LIST', 'ACL LOG', 'ACL CAT', 'CLUSTER INFO',
    'CLUSTER NODES', 'MODULE LIST', 'SCRIPT LOAD s', 'SCRIPT FLUSH', 'FUNCTION LIST', 'SLOWLOG GET',
    'LATENCY LATEST', 'MEMORY STATS', 'OBJECT HELP', 'XINFO HELP', 'JSON.GET k', 'NOSUCHCOMMAND',
    'CLIENT', 'CONFIG', 'SELECT 0', 'SELECT',
  ]);
});

t.test('read: keyspace reads a replica may answer', async (t) => {
  expectAll(t, 'read', [
    'GET k', 'MGET a b', 'EXISTS k', 'TTL k', 'PTTL k', 'LRANGE k 0 -1', 'HGETALL h', 'SMEMBERS s',
    'ZRANGE z 0 -1', 'SCAN 0', 'SSCAN s 0', 'HSCAN h 0', 'ZSCAN z 0', 'KEYS *', 'DBSIZE', 'RANDOMKEY',
    'STRLEN k', 'TYPE k', 'DUMP k', 'EVAL_RO s 0', 'EVALSHA_RO sha 0', 'FCALL_RO f 0', 'SORT_RO k',
    'BITFIELD_RO k GET u8 0', 'GEOSEARCH k FROMLONLAT 0 0 BYRADIUS 1 km', 'XRANGE s - +', 'XPENDING s g',
    'PFCOUNT h', 'HTTL h FIELDS 1 f', 'OBJECT ENCODING k', 'MEMORY USAGE k', 'XINFO STREAM s',
    'XREAD STREAMS s 0', 'XREAD COUNT 10 STREAMS s 0',
  ]);
  t.ok(READ_ONLY_COMMANDS.has('GET') && !READ_ONLY_COMMANDS.has('SET') && !READ_ONLY_COMMANDS.has('TOUCH'));
});

t.test('dedicated: transactions, blocking commands, connection state', async (t) => {
  expectAll(t, 'dedicated', [
    'MULTI', 'EXEC', 'DISCARD', 'WATCH k', 'UNWATCH', 'BLPOP k 0', 'BRPOP k 0', 'BRPOPLPUSH a b 0',
    'BLMOVE a b LEFT RIGHT 0', 'BLMPOP 0 1 k LEFT', 'BZPOPMIN z 0', 'BZPOPMAX z 0', 'BZMPOP 0 1 z MIN',
    'WAIT 1 0', 'WAITAOF 1 0 0', 'MONITOR', 'SELECT 1', 'SELECT 00', 'CLIENT TRACKING on',
    'CLIENT CACHING yes', 'CLIENT GETREDIR', 'CLIENT TRACKINGINFO', 'CLIENT NO-EVICT on', 'CLIENT NO-TOUCH on',
    'CLIENT SOMEFUTURESUB',
  ]);
});

t.test('XREAD and XREADGROUP need a dedicated connection only with a BLOCK option', async (t) => {
  expectAll(t, 'dedicated', [
    'XREAD BLOCK 0 STREAMS s $', 'XREAD COUNT 1 BLOCK 100 STREAMS s $', 'xread block 0 streams s $',
    'XREADGROUP GROUP g c BLOCK 0 STREAMS s >', 'XREADGROUP GROUP g c COUNT 1 NOACK BLOCK 5 STREAMS s >',
  ]);
  expectAll(t, 'read', ['XREAD STREAMS block 0', 'XREAD COUNT block STREAMS s 0', 'XREAD BLOCK']);
  expectAll(t, 'shared', ['XREADGROUP GROUP block c STREAMS s >', 'XREADGROUP GROUP g block STREAMS s >', 'XREADGROUP GROUP g c STREAMS block >']);
});

t.test('SELECT is dedicated unless it selects the db the pool uses', async (t) => {
  t.equal(classify('SELECT 0'), 'shared');
  t.equal(classify('SELECT 2'), 'dedicated');
  t.equal(classify('SELECT 2', { defaultDb: 2 }), 'shared');
  t.equal(classify('SELECT 0', { defaultDb: 2 }), 'dedicated');
});

t.test('pubsub: subscriptions and their UN- forms', async (t) => {
  expectAll(t, 'pubsub', ['SUBSCRIBE a', 'PSUBSCRIBE a*', 'SSUBSCRIBE a', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE a']);
});

t.test('local: the client\'s own connection, which is the Sluice session', async (t) => {
  expectAll(t, 'local', [
    'AUTH pw', 'AUTH user pw', 'HELLO 3', 'HELLO', 'QUIT', 'RESET', 'CLIENT SETNAME app', 'CLIENT GETNAME',
    'CLIENT ID', 'CLIENT INFO', 'CLIENT SETINFO lib-name ioredis', 'ACL WHOAMI',
  ]);
});

t.test('refused: acts on the server or on other clients, or breaks reply accounting', async (t) => {
  expectAll(t, 'refused', [
    'SHUTDOWN', 'DEBUG SLEEP 1', 'FAILOVER', 'REPLICAOF h 1', 'SLAVEOF NO ONE', 'SYNC', 'PSYNC ? -1',
    'REPLCONF listening-port 1', 'MIGRATE h 1 k 0 10', 'RESTORE-ASKING k 0 x', 'ASKING', 'READONLY',
    'READWRITE', 'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'PFDEBUG GETREG k', 'PFSELFTEST', 'POST /', 'Host: x',
    'CLIENT KILL ID 1', 'CLIENT PAUSE 100', 'CLIENT UNPAUSE', 'CLIENT UNBLOCK 1', 'CLIENT REPLY OFF',
    'CONFIG SET maxmemory 1', 'CONFIG REWRITE', 'CONFIG RESETSTAT', 'ACL SETUSER u on', 'ACL DELUSER u',
    'ACL LOAD', 'ACL SAVE', 'ACL LOG RESET', 'CLUSTER ADDSLOTS 1', 'CLUSTER MEET h 1', 'CLUSTER RESET',
    'CLUSTER SETSLOT 1 NODE x', 'CLUSTER FAILOVER', 'MODULE LOAD /x.so', 'MODULE UNLOAD m', 'SCRIPT KILL',
    'FUNCTION KILL', 'SLOWLOG RESET', 'LATENCY RESET',
  ]);
  t.equal(classifyCommand(commandArgs([])), 'refused', 'no command at all');
});

t.test('CONFIG writes pass as shared when allowed', async (t) => {
  expectAll(t, 'shared', ['CONFIG SET maxmemory 1', 'CONFIG REWRITE', 'CONFIG RESETSTAT', 'CONFIG GET x'], { allowConfigWrites: true });
});

t.test('names and subcommands match in any case; arguments never do', async (t) => {
  fc.assert(fc.property(fc.constantFrom('get', 'multi', 'client setname x', 'config set a b', 'subscribe c', 'xread block 0 streams s $'),
    fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (line, upper) => {
      const mixed = [...line].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('');
      return classify(mixed) === classify(line.toUpperCase());
    }));
  t.equal(classify('SET GET x'), 'shared', 'only the first argument names the command');
  t.equal(classify('GETX k'), 'shared');
});

t.test('a parsed command classifies as its argument list does, inline or RESP', async (t) => {
  const parser = new RespCommandParser();
  parser.push(Buffer.from('*3\r\n$6\r\nclient\r\n$7\r\nsetName\r\n$1\r\nx\r\nxread count 1 BLOCK 0 streams s $\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'));
  const got: CommandClass[] = [];
  for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) got.push(classifyCommand(cmd));
  t.strictSame(got, ['local', 'dedicated', 'read']);
});
