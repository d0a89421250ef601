/**
 * The console's admin commands, acting on the same objects as the rest of Sluice: pools
 * (pause, resume, reconnect), hosts (disable) and the Gateway's reload and shutdown.
 */
import type { PgProxyContext } from '../context.js';
import type { PgSource } from '../pg-source.js';
import { SQLSTATE } from '../../../wire/postgres/sqlstate.js';
import type { ConsoleCommand } from './command.js';

export class ConsoleError extends Error {
  constructor(readonly sqlstate: string, message: string) {
    super(message);
  }
}

export const ADMIN_VERBS: ReadonlySet<string> = new Set(['PAUSE', 'RESUME', 'RECONNECT', 'KILL', 'DISABLE', 'ENABLE', 'RELOAD', 'SHUTDOWN']);

/** Runs one admin command; resolves with its CommandComplete tag. */
export async function runControl(ctx: PgProxyContext, cmd: ConsoleCommand): Promise<string> {
  switch (cmd.verb) {
    case 'PAUSE': {
      const sources = targets(ctx, cmd.arg, false);
      const pools = sources.flatMap((s) => [...s.pools.values()]);
      for (const p of pools) p.pause();
      // As PgBouncer: the command returns once the queries in flight are done.
      await Promise.all(pools.map((p) => p.drain()));
      return 'PAUSE';
    }
    case 'RESUME': {
      const sources = targets(ctx, cmd.arg, false);
      const pools = sources.flatMap((s) => [...s.pools.values()]);
      if (!pools.some((p) => p.snapshot().paused)) {
        throw new ConsoleError(SQLSTATE.ProtocolViolation, cmd.arg === null ? 'pooler is not paused/suspended' : `database ${cmd.arg} is not paused`);
      }
      for (const p of pools) p.resume();
      return 'RESUME';
    }
    case 'RECONNECT':
      for (const s of targets(ctx, cmd.arg, false)) for (const p of s.pools.values()) p.reconnect();
      return 'RECONNECT';
    case 'KILL': {
      const [source] = targets(ctx, cmd.arg, true);
      // As PgBouncer: clients are dropped and the database stays paused until RESUME.
      for (const p of source!.pools.values()) p.pause();
      for (const s of [...ctx.sessions]) {
        if (s.source === source) s.terminate(SQLSTATE.AdminShutdown, `database ${source!.name} was killed by an administrator (KILL)`);
      }
      for (const p of source!.pools.values()) p.reconnect();
      return 'KILL';
    }
    case 'DISABLE':
    case 'ENABLE': {
      const [source] = targets(ctx, cmd.arg, true);
      for (const h of source!.hosts.hosts) h.disabled = cmd.verb === 'DISABLE';
      return cmd.verb;
    }
    case 'RELOAD': {
      const reload = ctx.console?.reload;
      if (reload === undefined) throw new ConsoleError(SQLSTATE.FeatureNotSupported, 'RELOAD is not available in this process');
      await reload();
      return 'RELOAD';
    }
    case 'SHUTDOWN': {
      const shutdown = ctx.console?.shutdown;
      if (shutdown === undefined) throw new ConsoleError(SQLSTATE.FeatureNotSupported, 'SHUTDOWN is not available in this process');
      // After the answer has been written.
      setImmediate(shutdown);
      return 'SHUTDOWN';
    }
    default:
      throw new ConsoleError(SQLSTATE.ProtocolViolation, `invalid command '${cmd.verb}', use SHOW HELP;`);
  }
}

/** The named source, or every source when no name was given and `required` is false. */
function targets(ctx: PgProxyContext, name: string | null, required: boolean): PgSource[] {
  if (name === null) {
    if (required) throw new ConsoleError(SQLSTATE.ProtocolViolation, 'this command needs a database name');
    return [...ctx.sources.values()];
  }
  const source = ctx.sources.get(name);
  if (source === undefined) throw new ConsoleError(SQLSTATE.ProtocolViolation, `no such database: ${name}`);
  return [source];
}
