/**
 * Per client session: which host runs each unit of work, and the lease from that host's
 * pool. The session calls lease() once the first message of a unit of work is whole; this
 * decides the need (read or write, per read_write_split and the overrides), asks the source's
 * HostRoster for a host, and acquires from that host's pool as the session's stand-in waiter.
 * A write while there is no primary waits for failover (failover_timeout); a waiter whose host
 * stops serving before it got a connection is routed again (nothing was sent for it).
 */
import type { PoolMode, UserConfig } from '../../config/types.js';
import { FailoverError, NoHostError, ProtocolError, type SluiceError } from '../../errors.js';
import type { HostPools, Reroutable } from '../../pool/host-pools.js';
import type { Pool } from '../../pool/pool.js';
import type { LeaseWaiter } from '../../pool/types.js';
import type { WorkNeed } from '../../router/host-choice.js';
import type { RoutedHost } from '../../router/host-set.js';
import { type SessionRoute, sessionRoute } from '../../router/route-setting.js';
import { DEFAULT_ROUTING } from '../../router/routing-options.js';
import { commandComplete, READY_IDLE } from '../../wire/postgres/backend-messages.js';
import { F } from '../../wire/postgres/constants.js';
import type { Forwarder } from './forwarder.js';
import type { PgSource } from './pg-source.js';
import type { ClientStatement } from './prepared-statements.js';
import { firstMessage, needOf, queryText } from './route-need.js';
import type { PgServerConnection } from './server-connection.js';

/** What the router needs of its session; PgClientSession provides it. */
export interface RoutedSession extends LeaseWaiter<PgServerConnection> {
  readonly mode: PoolMode;
  readonly statements: ReadonlyMap<string, ClientStatement>;
  readonly out: Forwarder;
  /** The unit of work will run on this pool's host: release goes back to it. */
  usePool(pool: Pool<PgServerConnection>): void;
}

/** Only texts starting with one of these words can change the route; checked on bytes, so other texts cost no string. */
const ROUTE_WORDS = ['set', 'reset', 'discard'].map((w) => Buffer.from(w, 'latin1'));

/** Does buf[i, end) start with `word` (any case) followed by a non-letter? */
function startsWithWord(buf: Buffer, i: number, end: number, word: Buffer): boolean {
  if (i + word.length >= end) return false;
  for (let k = 0; k < word.length; k++) if ((buf[i + k]! | 0x20) !== word[k]) return false;
  const next = buf[i + word.length]! | 0x20;
  return next < 0x61 || next > 0x7a;
}

export class UnitRouter implements LeaseWaiter<PgServerConnection>, Reroutable {
  private route: SessionRoute = 'default';
  private need: WorkNeed = 'write';
  /** The pool this router is queued in, or null when not queued there. */
  private queuedIn: Pool<PgServerConnection> | null = null;
  /** Set while a write waits for a primary. */
  private failoverWait: AbortController | null = null;
  private readonly pools: HostPools<PgServerConnection, RoutedHost>;

  constructor(private readonly session: RoutedSession, private readonly source: PgSource, user: UserConfig) {
    this.pools = source.hostPools(user);
  }

  /**
   * Route and lease for the unit of work whose first message is whole at the head of
   * `pending`. False when Sluice answered it itself (`SET sluice.route`): the caller drops it.
   */
  lease(pending: readonly Buffer[]): boolean {
    this.need = 'write';
    if (this.session.mode !== 'session') {
      const { buf, end } = firstMessage(pending);
      if (buf[0] === F.Query && end > 5 && this.changesRoute(buf, end, pending.length === 1 && end === buf.length)) return false;
      if (this.source.routed && this.source.config.routing?.read_write_split === true) {
        this.need = needOf(this.textOf(buf, end), this.route, this.source.classifier);
      }
    }
    this.acquire();
    return true;
  }

  /** The client left while waiting. */
  cancelWait(): void {
    this.failoverWait?.abort();
    this.failoverWait = null;
    if (this.queuedIn !== null) this.queuedIn.cancelWait(this);
    this.queuedIn = null;
  }

  /** Its host stopped serving before a connection was given: choose again. */
  reroute(): void {
    this.queuedIn = null;
    this.acquire();
  }

  onLease(conn: PgServerConnection): void {
    this.queuedIn = null;
    this.session.onLease(conn);
  }

  onLeaseError(err: SluiceError): void {
    this.queuedIn = null;
    this.session.onLeaseError(err);
  }

  private acquire(): void {
    const pool = this.choosePool();
    if (pool === null) return;
    this.session.usePool(pool);
    this.queuedIn = pool;
    pool.acquire(this);
  }

  /** The pool to lease from now; null when waiting for a primary or failed. */
  private choosePool(): Pool<PgServerConnection> | null {
    const source = this.source;
    if (!source.routed) return this.pools.get(source.hosts.hosts[0]!);
    const choice = source.roster.choose(this.need);
    if (choice.ok) return this.pools.get(choice.host);
    if (choice.reason === 'no-primary') this.waitForPrimary();
    else this.session.onLeaseError(new NoHostError(choice.reason === 'no-replica'
      ? `no replica of source "${source.name}" may serve reads now, and primary_reads is never`
      : `no host of source "${source.name}" may serve now`));
    return null;
  }

  private waitForPrimary(): void {
    const abort = new AbortController();
    this.failoverWait = abort;
    const timeout = this.source.config.routing?.failover_timeout ?? DEFAULT_ROUTING.failover_timeout;
    this.source.roster.failover.waitForPrimary(timeout, abort.signal).then(
      () => {
        if (this.failoverWait !== abort) return;
        this.failoverWait = null;
        this.acquire();
      },
      (err: FailoverError) => {
        if (this.failoverWait !== abort) return;
        this.failoverWait = null;
        this.session.onLeaseError(err);
      },
    );
  }

  /** A malformed message (no NUL where one belongs) has no text: it goes to the primary, whose framer refuses it. */
  private textOf(buf: Buffer, end: number): string | null {
    try {
      return queryText(buf, end, this.session.statements);
    } catch (err) {
      if (err instanceof ProtocolError) return null;
      throw err;
    }
  }

  /**
   * `SET sluice.route …` is answered here (PostgreSQL would reject it); RESET ALL and
   * DISCARD ALL reset the route and still go to the server. Only a lone simple query can be
   * answered: with more input behind it, it goes to the server like any statement.
   */
  private changesRoute(buf: Buffer, end: number, alone: boolean): boolean {
    let i = 5;
    while (i < end && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x09 || buf[i] === 0x0d)) i++;
    let candidate = false;
    for (const w of ROUTE_WORDS) if (startsWithWord(buf, i, end, w)) candidate = true;
    if (!candidate) return false;
    const change = sessionRoute(buf.toString('utf8', 5, end - 1));
    if (change === null || (change.answer !== null && !alone)) return false;
    this.route = change.route;
    if (change.answer === null) return false;
    this.session.out.send(commandComplete(change.answer));
    this.session.out.send(READY_IDLE);
    this.session.out.flush();
    return true;
  }
}
