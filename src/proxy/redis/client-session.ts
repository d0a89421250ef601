/**
 * One Redis client of Sluice. Commands are parsed as they arrive and sent where their class
 * says (wire/redis/commands.ts): stateless ones to the shared connection this client is
 * pinned to, batched with the rest of the client's pipeline; stateful ones to a dedicated
 * connection leased from the pool until the state ends; pub/sub to the source's hub; AUTH,
 * HELLO and the like answered here.
 *
 * Order: the client's replies must come back in command order, but they come from several
 * places. Within one place order holds by itself (one FIFO per server connection), so the
 * session only has to wait at a change of place: a command for another place is held (and
 * the socket paused) until every reply owed by the current one has been written.
 */
import type net from 'node:net';
import { RespProtocolError, type SluiceError } from '../../errors.js';
import {
  RespCommandParser, classifyCommand, errorReply, simpleString,
  type ClassifyOptions, type RespCommand, type RespVersion,
} from '../../wire/redis/index.js';
import type { RedisUserConfig } from '../../config/types.js';
import type { RedisSourceContext } from './context.js';
import { DedicatedState } from './dedicated-state.js';
import { type LocalSession, NOAUTH_REPLY, answerLocal, refusedReply } from './local-commands.js';
import { addressOnly, countAuthAttempt, lockedOutReply } from './client-auth.js';
import type { LoginSubject } from '../../auth/login-guard.js';
import type { ReplySink } from './reply-queue.js';
import type { RedisServerConnection } from './server-connection.js';
import type { SharedWaiter } from './shared-group.js';
import { ClientSubscriptions } from './client-subscriptions.js';
import { encodeCommand } from './encode.js';
import { CommandBatch } from './command-batch.js';
import { SharedPin } from './shared-pin.js';
import { ClientOutput } from './client-output.js';

let nextClientId = 1;
const RESET_REPLY = simpleString('RESET');
const QUIT_REPLY = simpleString('OK');
const HELLO3 = encodeCommand(['HELLO', '3']);
/** Swallows the reply to the HELLO 3 sent on a dedicated connection leased for a RESP3 client. */
const SWALLOW: ReplySink = { deliver() {}, serverLost() {} };

// Why a session holds its current command instead of dispatching it.
const RUNNING = 0;
const AWAIT_REPLIES = 1; // a change of place: every owed reply must be written first
const AWAIT_LEASE = 2;
const AWAIT_SHARED = 3;
const AWAIT_SUBSCRIBE = 4;

export class RedisClientSession implements ReplySink, SharedWaiter, LocalSession {
  readonly id = nextClientId++;
  readonly address: string;
  readonly connectedAt = Date.now();
  version: RespVersion = 2;
  name = '';
  user: string | null;
  closed = false;
  private readonly ctx: RedisSourceContext;
  private readonly socket: net.Socket;
  private readonly parser = new RespCommandParser();
  private readonly classify: ClassifyOptions;
  private readonly subs: ClientSubscriptions;
  private readonly writePin: SharedPin;
  /** For read-only commands when the source reads from replicas. */
  private readonly readPin: SharedPin | null;
  /** The pin a pin() in progress waits for. */
  private waitingPin: SharedPin | null = null;
  /** Where the last forwarded command went: replies owed come from there. */
  private lastConn: RedisServerConnection | null = null;
  private dedicated: RedisServerConnection | null = null;
  private readonly dstate = new DedicatedState();
  /** Replies the server connections still owe this client. */
  private owed = 0;
  private wait = RUNNING;
  private held: RespCommand | null = null;
  private inAcquire = false;
  private acquireError: SluiceError | null = null;
  private failure: RespProtocolError | null = null;
  private readonly out: ClientOutput;
  private readonly batch = new CommandBatch();

  constructor(socket: net.Socket, ctx: RedisSourceContext) {
    this.socket = socket;
    this.ctx = ctx;
    this.address = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    this.user = ctx.config.users.length === 0 ? 'default' : null;
    this.classify = { defaultDb: 0, allowConfigWrites: ctx.config.allow_config_writes };
    this.subs = new ClientSubscriptions(this, ctx.hub);
    this.out = new ClientOutput(socket, {
      outputLimit: () => ctx.config.pool.client_output_limit,
      onBlockedChange: () => this.updateReading(),
      onOverLimit: (queued) => {
        ctx.stats.outputLimitCloses++;
        ctx.log.info({ client: this.id, queued }, 'redis client does not read its replies; closing it (client_output_limit)');
        this.cleanup();
      },
    });
    this.writePin = new SharedPin(ctx, 'primary');
    this.readPin = ctx.config.read_from === 'replica' ? new SharedPin(ctx, 'replica') : null;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      this.run();
    });
    socket.on('error', (err) => ctx.log.debug({ err, client: this.id }, 'redis client socket error'));
    socket.on('close', () => this.cleanup());
  }

  loginAttempt(user: string, ok: boolean): void {
    this.ctx.audit.record({ actor: `user:${user}`, action: 'client.login', target: `source:${this.ctx.config.name}`, result: ok ? 'ok' : 'failed', source: this.address });
    countAuthAttempt(this.ctx.loginGuard, this.ctx.audit, this.guardSubject(user), ok, this.address);
  }

  lockedOut(user: string): Buffer | null {
    return lockedOutReply(this.ctx.loginGuard, this.guardSubject(user));
  }

  private guardSubject(user: string): LoginSubject {
    return { protocol: 'redis', source: this.ctx.config.name, user, address: addressOnly(this.address) };
  }

  get users(): readonly RedisUserConfig[] { return this.ctx.config.users; }

  /** For the admin views, in SHOW CLIENTS' words: active while it holds replies owed, a dedicated connection or subscriptions. */
  get state(): 'login' | 'waiting' | 'active' | 'idle' {
    if (this.user === null) return 'login';
    if (this.wait === AWAIT_LEASE || this.wait === AWAIT_SHARED) return 'waiting';
    return this.dedicated !== null || this.owed > 0 || this.subs.active ? 'active' : 'idle';
  }

  /** The server connection serving this client: its dedicated one, else the one it last sent to. */
  get serverId(): number | null { return (this.dedicated ?? this.lastConn)?.id ?? null; }
  get localAddress(): string { return this.socket.localAddress ?? ''; }
  get localPort(): number { return this.socket.localPort ?? 0; }
  get serverVersion(): string { return this.ctx.serverVersion(); }

  /** Close from Sluice's side (shutdown, lost server), with an error line when at a reply boundary. */
  close(message: string | null): void {
    if (this.closed) return;
    if (message !== null && !this.out.midReply) this.out.write(errorReply(`ERR ${message}`));
    this.socket.end();
    this.socket.destroySoon();
    this.cleanup();
  }

  // ReplySink: replies from the shared or dedicated connection.
  deliver(bytes: Buffer, replies: number, complete: boolean): void {
    this.owed -= replies;
    if (this.closed) return;
    this.out.reply(bytes, complete);
    if (replies > 0 && this.owed === 0) this.settled();
  }

  serverLost(owed: number): void {
    this.owed -= owed;
    this.close('Sluice lost its connection to the Redis server');
  }

  // SharedWaiter
  onShared(conn: RedisServerConnection): void {
    const pin = this.waitingPin;
    this.waitingPin = null;
    pin?.pinned(conn);
    if (this.closed) { pin?.release(); return; }
    this.resume();
  }

  onSharedError(err: SluiceError): void {
    this.waitingPin = null;
    this.failHeld(err);
  }

  // LeaseWaiter of the dedicated pool
  onLease(conn: RedisServerConnection): void {
    if (this.closed) { this.ctx.dedicated.release(conn, true); return; }
    this.ctx.stats.dedicatedLeases++;
    this.dedicated = conn;
    conn.onUnsolicited = (frame) => this.push(frame);
    if (this.version === 3) conn.send(SWALLOW, HELLO3, 1);
    if (!this.inAcquire) this.resume();
  }

  onLeaseError(err: SluiceError): void {
    if (this.inAcquire) this.acquireError = err;
    else this.failHeld(err);
  }

  /** A pub/sub message or push frame for this client; held while a reply is half written. */
  push(frame: Buffer): void {
    if (!this.closed) this.out.push(frame);
  }

  /** The subscriptions' confirmations are ready: write them and go on. */
  subscribed(reply: Buffer): void {
    if (this.closed) return;
    // The held command was the SUBSCRIBE itself: it is done, not to be run again.
    this.held = null;
    this.write(reply);
    this.resume();
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.out.write(bytes);
  }

  private run(): void {
    if (this.closed || this.wait !== RUNNING) return;
    try {
      for (;;) {
        let cmd = this.held;
        this.held = null;
        if (cmd === null) {
          cmd = this.parser.next();
          if (cmd === null) break;
          this.ctx.stats.commands++;
        }
        if (!this.dispatch(cmd)) {
          this.held = cmd;
          break;
        }
        if (this.closed) return;
      }
    } catch (err) {
      if (!(err instanceof RespProtocolError)) throw err;
      this.ctx.stats.protocolErrors++;
      this.failure = err;
    }
    this.flushBatch();
    if (this.failure !== null && this.owed === 0) this.failProtocol();
    this.updateReading();
  }

  /** Send, answer or hold one command; false when it must wait (this.wait says for what). */
  private dispatch(cmd: RespCommand): boolean {
    const cls = classifyCommand(cmd, this.classify);
    if (this.user === null && !(cls === 'local' && !cmd.argIs(0, 'CLIENT') && !cmd.argIs(0, 'ACL'))) return this.answer(NOAUTH_REPLY);
    if (this.subs.restrictsTo(cmd)) return this.answer(this.subs.notAllowed(cmd));
    if (cls === 'refused') {
      this.ctx.stats.refused++;
      return this.answer(refusedReply(cmd));
    }
    if (cls === 'local') return this.local(cmd);
    if (cls === 'pubsub' || this.subs.answersPing(cmd)) {
      if (!this.atBoundary()) return false;
      const done = this.subs.command(cmd);
      if (!done) this.wait = AWAIT_SUBSCRIBE;
      return done;
    }
    if (this.dedicated !== null) {
      this.dstate.observe(cmd, 0);
      this.forward(this.dedicated, cmd);
      return true;
    }
    if (cls === 'dedicated') {
      if (!this.atBoundary()) return false;
      this.wait = AWAIT_LEASE;
      // acquire() may call back at once: then the command goes on here, not in a nested run().
      this.inAcquire = true;
      this.ctx.dedicated.acquire(this);
      this.inAcquire = false;
      const failed = this.acquireError;
      if (failed !== null) {
        this.acquireError = null;
        this.wait = RUNNING;
        this.write(errorReply(`ERR ${failed.message}`));
        return true;
      }
      if (this.dedicated === null) return false;
      this.wait = RUNNING;
      this.dstate.observe(cmd, 0);
      this.forward(this.dedicated, cmd);
      return true;
    }
    const pin = cls === 'read' && this.readPin !== null && this.ctx.shared(this.version, 'replica').hasHosts ? this.readPin : this.writePin;
    let conn = pin.current(this.version);
    if (conn === null) {
      if (!this.atBoundary()) return false;
      conn = pin.pin(this.version, this);
      if (conn === null) {
        this.waitingPin = pin;
        this.wait = AWAIT_SHARED;
        return false;
      }
    }
    // Reads and writes on different connections: a switch waits for the other's replies.
    if (conn !== this.lastConn && !this.atBoundary()) return false;
    this.forward(conn, cmd);
    return true;
  }

  /** Commands that concern this session only; QUIT and RESET change what the session is. */
  private local(cmd: RespCommand): boolean {
    if (!this.atBoundary()) return false;
    if (cmd.argIs(0, 'QUIT')) {
      this.write(QUIT_REPLY);
      this.close(null);
      return true;
    }
    if (cmd.argIs(0, 'RESET')) {
      this.releaseDedicated();
      this.subs.clear();
      this.version = 2;
      this.name = '';
      if (this.ctx.config.users.length > 0) this.user = null;
      return this.answer(RESET_REPLY);
    }
    return this.answer(answerLocal(this, cmd));
  }

  /** Write a reply of Sluice's own, in order behind what the servers still owe. */
  private answer(reply: Buffer): boolean {
    if (!this.atBoundary()) return false;
    this.write(reply);
    return true;
  }

  /** True when no reply is owed; otherwise the session waits for them. */
  private atBoundary(): boolean {
    this.flushBatch();
    if (this.owed === 0) return true;
    this.wait = AWAIT_REPLIES;
    return false;
  }

  private forward(conn: RedisServerConnection, cmd: RespCommand): void {
    this.owed++;
    this.lastConn = conn;
    this.batch.add(this, conn, cmd);
  }

  private flushBatch(): void {
    this.batch.flush(this);
  }

  /** Every owed reply is written: end a finished dedicated state, go on with held commands. */
  private settled(): void {
    if (this.dedicated !== null && this.dstate.idle) this.releaseDedicated();
    if (this.failure !== null) {
      this.failProtocol();
      return;
    }
    if (this.wait === AWAIT_REPLIES) queueMicrotask(() => this.resume());
  }

  private resume(): void {
    this.wait = RUNNING;
    this.run();
  }

  /** The held command cannot be served: answer it with the error and go on. */
  private failHeld(err: SluiceError): void {
    if (this.closed) return;
    this.held = null;
    this.write(errorReply(`ERR ${err.message}`));
    this.resume();
  }

  private releaseDedicated(): void {
    const conn = this.dedicated;
    if (conn === null) return;
    this.dedicated = null;
    // Released at a boundary (nothing owed), so no order depends on it; the admin views must not show it as this client's.
    if (this.lastConn === conn) this.lastConn = null;
    conn.onUnsolicited = null;
    // A connection with replies still owed (a blocked BLPOP) cannot be reset in place, nor can
    // a MONITOR one: its stream of lines has no boundary with the reply to RESET.
    const reusable = conn.queue.owed === 0 && !conn.closed && !this.dstate.monitor;
    this.dstate.clear();
    this.ctx.dedicated.release(conn, reusable);
  }

  /** Redis answers a protocol error after the replies before it, then closes. */
  private failProtocol(): void {
    const failure = this.failure;
    if (failure === null || this.closed) return;
    this.ctx.log.info({ client: this.id, err: failure.message }, 'redis client sent bad RESP; closing it');
    this.write(failure.reply);
    this.close(null);
  }

  private updateReading(): void {
    if (this.closed) return;
    const read = this.wait === RUNNING && !this.out.blocked && this.failure === null;
    if (read && this.socket.isPaused()) this.socket.resume();
    else if (!read && !this.socket.isPaused()) this.socket.pause();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = null;
    if (this.wait === AWAIT_LEASE) this.ctx.dedicated.cancelWait(this);
    if (this.wait === AWAIT_SHARED) this.waitingPin?.cancelWait(this);
    this.writePin.release();
    this.readPin?.release();
    this.subs.clear();
    this.releaseDedicated();
    this.onClosed?.(this);
  }

  /** Set by the source to count and forget the session. */
  onClosed: ((session: RedisClientSession) => void) | null = null;
}
