/**
 * Per PostgreSQL client session: the need of each unit of work (read or write, per
 * read_write_split, the comment overrides and `SET sluice.route`), for the shared RoutedLease
 * that picks the host, leases from its pool, waits for failover and routes again when a host
 * stops serving before anything was sent. The session calls lease() once the first message of
 * a unit of work is whole.
 */
import type { PoolMode, UserConfig } from '../../config/types.js';
import { ProtocolError } from '../../errors.js';
import type { WorkNeed } from '../../router/host-choice.js';
import { type LeasingSession, RoutedLease } from '../../router/routed-lease.js';
import { type SessionRoute, sessionRoute } from '../../router/route-setting.js';
import { commandComplete, READY_IDLE } from '../../wire/postgres/backend-messages.js';
import { F } from '../../wire/postgres/constants.js';
import type { Forwarder } from './forwarder.js';
import type { PgSource } from './pg-source.js';
import type { ClientStatement } from './prepared-statements.js';
import { firstMessage, needOf, queryText } from './route-need.js';
import type { PgServerConnection } from './server-connection.js';

/** What the router needs of its session; PgClientSession provides it. */
export interface RoutedSession extends LeasingSession<PgServerConnection> {
  readonly mode: PoolMode;
  readonly statements: ReadonlyMap<string, ClientStatement>;
  readonly out: Forwarder;
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

export class UnitRouter {
  private route: SessionRoute = 'default';
  private readonly leasing: RoutedLease<PgServerConnection>;

  constructor(private readonly session: RoutedSession, private readonly source: PgSource, user: UserConfig) {
    this.leasing = new RoutedLease(session, source, source.hostPools(user));
  }

  /**
   * Route and lease for the unit of work whose first message is whole at the head of
   * `pending`. False when Sluice answered it itself (`SET sluice.route`): the caller drops it.
   */
  lease(pending: readonly Buffer[]): boolean {
    let need: WorkNeed = 'write';
    if (this.session.mode !== 'session') {
      const { buf, end } = firstMessage(pending);
      if (buf[0] === F.Query && end > 5 && this.changesRoute(buf, end, pending.length === 1 && end === buf.length)) return false;
      if (this.source.routed && this.source.config.routing?.read_write_split === true) {
        need = needOf(this.textOf(buf, end), this.route, this.source.classifier);
      }
    }
    this.leasing.acquire(need);
    return true;
  }

  /** The client left while waiting. */
  cancelWait(): void {
    this.leasing.cancelWait();
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
