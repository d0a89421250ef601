/**
 * A client's pub/sub state: which channels, patterns and shard channels it holds through the
 * source's SubscriberHub, and the rules Redis applies to a RESP2 connection in subscribed
 * mode (only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET).
 */
import { errorReply, type RespCommand, type RespVersion } from '../../wire/redis/index.js';
import { type Subscriber, type SubscriberHub, type SubscriptionKind } from './subscriber-hub.js';
import { PUSH_TYPE, confirmation, subscribedPong } from './pubsub-frames.js';

/** The session side the subscriptions write to. */
export interface SubscriptionOwner {
  readonly version: RespVersion;
  readonly closed: boolean;
  /** A message frame (RESP2 array as the hub got it). */
  push(frame: Buffer): void;
  /** Confirmations that waited for the server, then go on with the next command. */
  subscribed(reply: Buffer): void;
  close(message: string | null): void;
}

const KINDS: readonly SubscriptionKind[] = ['channel', 'pattern', 'shard'];
const SUB_WORDS: Record<SubscriptionKind, [string, string]> = {
  channel: ['subscribe', 'unsubscribe'], pattern: ['psubscribe', 'punsubscribe'], shard: ['ssubscribe', 'sunsubscribe'],
};
const ALLOWED_WHEN_SUBSCRIBED = ['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE', 'PING', 'QUIT', 'RESET'];

export class ClientSubscriptions implements Subscriber {
  private readonly owner: SubscriptionOwner;
  private readonly hub: SubscriberHub;
  private readonly held: Record<SubscriptionKind, Set<string>> = { channel: new Set(), pattern: new Set(), shard: new Set() };

  constructor(owner: SubscriptionOwner, hub: SubscriberHub) {
    this.owner = owner;
    this.hub = hub;
  }

  /** Redis counts channels and patterns together, shard channels apart. */
  private count(kind: SubscriptionKind): number {
    return kind === 'shard' ? this.held.shard.size : this.held.channel.size + this.held.pattern.size;
  }

  get active(): boolean { return this.held.channel.size + this.held.pattern.size + this.held.shard.size > 0; }

  /** A RESP2 client in subscribed mode sent a command that mode does not allow. */
  restrictsTo(cmd: RespCommand): boolean {
    if (this.owner.version !== 2 || !this.active) return false;
    return !ALLOWED_WHEN_SUBSCRIBED.some((word) => cmd.argIs(0, word));
  }

  notAllowed(cmd: RespCommand): Buffer {
    return errorReply(`ERR Can't execute '${cmd.argString(0).toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  }

  /** PING of a RESP2 client in subscribed mode is answered here, the way Redis answers it. */
  answersPing(cmd: RespCommand): boolean {
    return this.owner.version === 2 && this.active && cmd.argIs(0, 'PING');
  }

  /**
   * Run a pub/sub command (or a subscribed-mode PING). True when its replies are written;
   * false when they wait for the server's confirmation, then owner.subscribed() goes on.
   */
  command(cmd: RespCommand): boolean {
    if (cmd.argIs(0, 'PING')) {
      this.owner.push(subscribedPong(cmd.argc > 1 ? cmd.arg(1) : null));
      return true;
    }
    const name = cmd.argString(0).toUpperCase();
    const unsub = name.endsWith('UNSUBSCRIBE');
    const kind: SubscriptionKind = name.startsWith('PSUB') || name.startsWith('PUNSUB') ? 'pattern' : name.startsWith('SSUB') || name.startsWith('SUNSUB') ? 'shard' : 'channel';
    if (unsub) {
      this.owner.push(this.unsubscribe(kind, cmd));
      return true;
    }
    if (cmd.argc < 2) {
      this.owner.push(errorReply(`ERR wrong number of arguments for '${name.toLowerCase()}' command`));
      return true;
    }
    const names: string[] = [];
    const parts: Buffer[] = [];
    // Each confirmation counts what the client holds once that name is added, as Redis does.
    for (let i = 1; i < cmd.argc; i++) {
      const n = cmd.argString(i);
      names.push(n);
      this.held[kind].add(n);
      parts.push(confirmation(SUB_WORDS[kind][0], Buffer.from(n, 'latin1'), this.count(kind), this.owner.version));
    }
    let sync = true;
    let ready: Buffer | null = null;
    this.hub.subscribe(kind, names, this, () => {
      ready = Buffer.concat(parts);
      if (!sync) this.owner.subscribed(ready);
    });
    sync = false;
    if (ready === null) return false;
    this.owner.push(ready);
    return true;
  }

  /** Drop every subscription (RESET, disconnect). */
  clear(): void {
    for (const kind of KINDS) {
      for (const n of this.held[kind]) this.hub.unsubscribe(kind, n, this);
      this.held[kind].clear();
    }
  }

  onMessage(frame: Buffer): void {
    if (this.owner.version === 3) {
      this.owner.push(PUSH_TYPE);
      this.owner.push(frame.subarray(1));
    } else {
      this.owner.push(frame);
    }
  }

  onHubLost(reason: string): void {
    for (const kind of KINDS) this.held[kind].clear();
    this.owner.close(reason);
  }

  private unsubscribe(kind: SubscriptionKind, cmd: RespCommand): Buffer {
    const names: string[] = [];
    if (cmd.argc > 1) for (let i = 1; i < cmd.argc; i++) names.push(cmd.argString(i));
    else names.push(...this.held[kind]);
    const word = SUB_WORDS[kind][1];
    if (names.length === 0) return confirmation(word, null, this.count(kind), this.owner.version);
    const parts: Buffer[] = [];
    for (const n of names) {
      if (this.held[kind].delete(n)) this.hub.unsubscribe(kind, n, this);
      parts.push(confirmation(word, Buffer.from(n, 'latin1'), this.count(kind), this.owner.version));
    }
    return Buffer.concat(parts);
  }
}
