// Runs the built CLI (dist/, built by `npm test` before tap): `sluice secrets`, in a temp directory.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const VALUE = 'correct horse battery staple 🐎';

/** The parent's SLUICE_* variables would change which files the CLI uses: none are passed on. */
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));

interface Run { code: number | null; stdout: string; stderr: string }

function sluice(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  const run = spawnSync(process.execPath, [MAIN, 'secrets', ...args], { cwd, input: options.input ?? '', env: { ...BASE_ENV, ...options.env }, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs `sluice secrets set NAME` on a pseudo-terminal (Python's pty module), typing `keys`. */
const PTY = `
import json, os, pty, select, sys, time
node, main, name, keys = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(node, [node, main, "secrets", "set", name])
out, typed, deadline = b"", False, time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    if not typed and b"not shown" in out:
        os.write(fd, keys.encode())
        typed = True
_, status = os.waitpid(pid, 0)
json.dump({"output": out.decode("utf-8", "replace"), "code": os.waitstatus_to_exitcode(status)}, sys.stdout)
`;

function typeAtTerminal(cwd: string, name: string, keys: string): { output: string; code: number } {
  const run = spawnSync('/usr/bin/python3', ['-c', PTY, process.execPath, MAIN, name, keys], { cwd, env: BASE_ENV, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`pty helper failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { output: string; code: number };
}

t.test('init, set from stdin, list, get, rm: files 0600, the value only ever in get\'s output', async (t) => {
  const dir = t.testdir();
  const outputs: Run[] = [];
  const run = (args: string[], input?: string) => {
    const result = sluice(dir, args, input === undefined ? {} : { input });
    outputs.push(result);
    return result;
  };

  const init = run(['init']);
  t.equal(init.code, 0, init.stderr);
  t.match(init.stderr, /Created the master key .*sluice-master\.key \(mode 0600\)/);
  t.equal(mode(join(dir, 'sluice-master.key')), 0o600);
  const again = run(['init']);
  t.equal(again.code, 1);
  t.match(again.stderr, /already exists/);

  const set = run(['set', 'billing-db'], `${VALUE}\n`);
  t.equal(set.code, 0, set.stderr);
  t.match(set.stderr, /Stored "billing-db"/);
  t.equal(run(['set', 'reports'], 'second').code, 0);
  t.match(run(['set', 'reports'], 'second!').stderr, /Replaced "reports"/);
  const store = join(dir, 'sluice-secrets.json');
  t.equal(mode(store), 0o600);
  t.notMatch(readFileSync(store, 'utf8'), /horse|second/, 'no plaintext in the store');
  t.strictSame(Object.keys(JSON.parse(readFileSync(store, 'utf8')) as object), ['billing-db', 'reports']);

  const list = run(['list']);
  t.equal(list.code, 0);
  t.equal(list.stdout, 'billing-db\nreports\n', 'names only');

  const get = sluice(dir, ['get', 'billing-db']);
  t.equal(get.code, 0, get.stderr);
  t.equal(get.stdout, VALUE, 'the exact value, its trailing newline from stdin dropped, none added for a pipe');
  t.equal(sluice(dir, ['get', 'reports']).stdout, 'second!');

  t.equal(run(['rm', 'reports']).code, 0);
  const rmAgain = run(['rm', 'reports']);
  t.equal(rmAgain.code, 1);
  t.match(rmAgain.stderr, /no secret "reports".*sluice secrets list/);
  const missing = run(['get', 'reports']);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /sluice secrets set reports/);
  t.equal(run(['list']).stdout, 'billing-db\n');

  for (const output of outputs) {
    t.notMatch(output.stdout + output.stderr, /horse|second/, 'no command but get prints a value');
  }
  t.strictSame(readdirSync(dir).sort(), ['sluice-master.key', 'sluice-secrets.json'], 'no temp or lock files left behind');
});

t.test('a lock held by a live writer makes set fail at once rather than lose an update', async (t) => {
  const dir = t.testdir();
  t.equal(sluice(dir, ['init']).code, 0);
  writeFileSync(join(dir, 'sluice-secrets.json.lock'), `${process.pid}\n`);
  const busy = sluice(dir, ['set', 'db'], { input: VALUE });
  t.equal(busy.code, 1);
  t.match(busy.stderr, `another sluice secrets command (pid ${process.pid}) is changing`);
  t.equal(sluice(dir, ['list']).stdout, '', 'nothing stored');
});

t.test('a value on the command line is refused, and an empty stdin stores nothing', async (t) => {
  const dir = t.testdir();
  t.equal(sluice(dir, ['init']).code, 0);
  const argv = sluice(dir, ['set', 'db', 'hunter2']);
  t.equal(argv.code, 2);
  t.notMatch(argv.stderr, /hunter2/, 'the stray value is not echoed');
  const empty = sluice(dir, ['set', 'db'], { input: '' });
  t.equal(empty.code, 1);
  t.match(empty.stderr, /the value was empty.*printf %s "\$VALUE" \| sluice secrets set db/);
  t.equal(sluice(dir, ['list']).stdout, '');
});

t.test('set at a terminal prompts without echo; backspace edits, Ctrl-C cancels', async (t) => {
  const dir = t.testdir();
  t.equal(sluice(dir, ['init']).code, 0);
  const typed = typeAtTerminal(dir, 'db', 'horse battery\u007fY\r');
  t.equal(typed.code, 0, typed.output);
  t.match(typed.output, /Value for "db" \(not shown; Enter to finish\)/);
  t.notMatch(typed.output, /horse/, 'the typed value is not echoed');
  t.equal(sluice(dir, ['get', 'db']).stdout, 'horse batterY');
  const cancelled = typeAtTerminal(dir, 'db', 'other\u0003');
  t.equal(cancelled.code, 1);
  t.match(cancelled.output, /cancelled; "db" was not changed/);
  t.equal(sluice(dir, ['get', 'db']).stdout, 'horse batterY');
});

t.test('rotate-key: old copies of the store read mid-rotation, and not after --finish', async (t) => {
  const dir = t.testdir();
  t.equal(sluice(dir, ['init']).code, 0);
  t.equal(sluice(dir, ['set', 'db'], { input: VALUE }).code, 0);
  copyFileSync(join(dir, 'sluice-secrets.json'), join(dir, 'replica.json'));
  const keyBefore = readFileSync(join(dir, 'sluice-master.key'), 'utf8').trim();

  const start = sluice(dir, ['rotate-key']);
  t.equal(start.code, 0, start.stderr);
  t.match(start.stderr, /1 secret\(s\).*re-encrypted.*rotate-key --finish/s);
  const keys = readFileSync(join(dir, 'sluice-master.key'), 'utf8').trim().split('\n');
  t.equal(keys.length, 2);
  t.equal(keys[1], keyBefore, 'the new key first, the old one second');
  t.equal(mode(join(dir, 'sluice-master.key')), 0o600);
  t.equal(sluice(dir, ['get', 'db']).stdout, VALUE, 'the re-encrypted store reads');
  t.equal(sluice(dir, ['get', 'db', '--store', 'replica.json']).stdout, VALUE, 'an old copy still reads');
  const twice = sluice(dir, ['rotate-key']);
  t.equal(twice.code, 1);
  t.match(twice.stderr, /already in progress.*rotate-key --finish/);

  const finish = sluice(dir, ['rotate-key', '--finish']);
  t.equal(finish.code, 0, finish.stderr);
  t.match(finish.stderr, /now holds one key/);
  t.strictSame(readFileSync(join(dir, 'sluice-master.key'), 'utf8').trim().split('\n'), [keys[0]]);
  t.equal(sluice(dir, ['get', 'db']).stdout, VALUE);
  const stale = sluice(dir, ['get', 'db', '--store', 'replica.json']);
  t.equal(stale.code, 1, 'the old copy no longer reads');
  t.match(stale.stderr, /secret "db" in .*replica\.json cannot be decrypted/);
  t.notMatch(start.stderr + finish.stderr + stale.stderr, /horse/);
});

t.test('a tampered entry and a key file open to others are reported with what to do', async (t) => {
  const dir = t.testdir();
  t.equal(sluice(dir, ['init']).code, 0);
  t.equal(sluice(dir, ['set', 'db'], { input: VALUE }).code, 0);
  const store = join(dir, 'sluice-secrets.json');
  const json = JSON.parse(readFileSync(store, 'utf8')) as Record<string, string>;
  const token = json['db']!;
  json['db'] = `${token.slice(0, 40)}${token[40] === 'x' ? 'y' : 'x'}${token.slice(41)}`;
  writeFileSync(store, JSON.stringify(json));
  const tampered = sluice(dir, ['get', 'db']);
  t.equal(tampered.code, 1);
  t.equal(tampered.stdout, '');
  t.match(tampered.stderr, /sluice secrets get: secret "db" in .* cannot be decrypted: the token's signature does not match.*sluice secrets set db/);
  const rotate = sluice(dir, ['rotate-key']);
  t.equal(rotate.code, 1, 'no rotation over an unreadable entry');
  t.match(rotate.stderr, /"db" cannot be decrypted.*nothing was changed/);

  chmodSync(join(dir, 'sluice-master.key'), 0o644);
  const open = sluice(dir, ['get', 'db']);
  t.equal(open.code, 1);
  t.match(open.stderr, /mode 0644.*Run: chmod 600 .*sluice-master\.key/);

  writeFileSync(store, '{ not json');
  const broken = sluice(dir, ['list']);
  t.equal(broken.code, 1);
  t.match(broken.stderr, /is not valid JSON.*restore it from a backup/);
});

t.test('locations from the environment, and the key itself in SLUICE_MASTER_KEY', async (t) => {
  const fresh = t.testdir({ conf: {}, elsewhere: {} });
  const dir = join(fresh, 'elsewhere');
  const env = { SLUICE_SECRETS_FILE: 'conf/secrets.json', SLUICE_MASTER_KEY_FILE: 'conf/master.key' };
  t.equal(sluice(fresh, ['init'], { env }).code, 0);
  t.equal(mode(join(fresh, 'conf/master.key')), 0o600);
  t.equal(sluice(fresh, ['set', 'db'], { input: VALUE, env }).code, 0);
  t.equal(sluice(fresh, ['get', 'db'], { env }).stdout, VALUE);

  const key = readFileSync(join(fresh, 'conf/master.key'), 'utf8').trim();
  const withKey = { SLUICE_SECRETS_FILE: join(fresh, 'conf/secrets.json'), SLUICE_MASTER_KEY: key };
  t.equal(sluice(dir, ['get', 'db'], { env: withKey }).stdout, VALUE, 'no key file needed');
  const init = sluice(dir, ['init'], { env: withKey });
  t.equal(init.code, 1);
  t.match(init.stderr, /SLUICE_MASTER_KEY is set/);
  const rotate = sluice(dir, ['rotate-key'], { env: withKey });
  t.equal(rotate.code, 1);
  t.match(rotate.stderr, /SLUICE_MASTER_KEY="<new key>,<old key>"/);
  t.notMatch(init.stderr + rotate.stderr, key, 'the key is never printed');

  const noKey = sluice(dir, ['get', 'db'], { env: { SLUICE_SECRETS_FILE: join(fresh, 'conf/secrets.json') } });
  t.equal(noKey.code, 1);
  t.match(noKey.stderr, /no master key at .*sluice-master\.key; create one with: sluice secrets init/);
});

t.test('usage errors exit 2', async (t) => {
  const dir = t.testdir();
  for (const args of [[], ['bogus'], ['get'], ['get', 'a', 'b'], ['list', 'x'], ['get', 'db', '--finish'], ['list', '--nope']]) {
    const run = sluice(dir, args);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, /Usage:/);
  }
  const badName = sluice(dir, ['get', '1bad']);
  t.equal(badName.code, 1);
  t.match(badName.stderr, /not a secret name/);
});
