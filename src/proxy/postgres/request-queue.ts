/**
 * Requests sent to (or answered for) one server connection whose responses are still due,
 * in order. Each entry says what kind of request it was and what to do with its response:
 * forward it to the client, swallow it (Sluice's own injected request), or answer it
 * without the server (a fake, e.g. ParseComplete for a statement the server already has).
 * Parallel typed arrays in a ring: no allocation per message on the forwarding path.
 */

export const Req = {
  Parse: 1,
  Bind: 2,
  Describe: 3,
  Execute: 4,
  Close: 5,
  Sync: 6,
  /** Simple Query or FunctionCall: answered up to and including ReadyForQuery. */
  Query: 7,
} as const;
export type Req = (typeof Req)[keyof typeof Req];

export const Act = {
  Forward: 1,
  /** Sluice's own request: its responses are not the client's. */
  Skip: 2,
  /** Answered by Sluice when it reaches the head: the server never saw it. */
  Fake: 3,
} as const;
export type Act = (typeof Act)[keyof typeof Act];

export class RequestQueue {
  private kinds: Uint8Array;
  private acts: Uint8Array;
  /** Statement name (server-side) a Parse/Close is about, or a fake's payload. */
  private names: (string | null)[];
  /** For a fake Query: the response Sluice answers with, before its ReadyForQuery. */
  private payloads: (Buffer | null)[];
  private head = 0;
  private count = 0;

  constructor(capacity = 64) {
    this.kinds = new Uint8Array(capacity);
    this.acts = new Uint8Array(capacity);
    this.names = new Array<string | null>(capacity).fill(null);
    this.payloads = new Array<Buffer | null>(capacity).fill(null);
  }

  get length(): number { return this.count; }
  get empty(): boolean { return this.count === 0; }

  push(kind: Req, act: Act, name: string | null = null, payload: Buffer | null = null): void {
    if (this.count === this.kinds.length) this.grow();
    const i = (this.head + this.count) % this.kinds.length;
    this.kinds[i] = kind;
    this.acts[i] = act;
    this.names[i] = name;
    this.payloads[i] = payload;
    this.count++;
  }

  headKind(): number { return this.count === 0 ? 0 : this.kinds[this.head]!; }
  headAct(): number { return this.count === 0 ? 0 : this.acts[this.head]!; }
  headName(): string | null { return this.count === 0 ? null : this.names[this.head]!; }
  headPayload(): Buffer | null { return this.count === 0 ? null : this.payloads[this.head]!; }

  shift(): void {
    if (this.count === 0) return;
    this.names[this.head] = null;
    this.payloads[this.head] = null;
    this.head = (this.head + 1) % this.kinds.length;
    this.count--;
  }

  clear(): void {
    while (this.count > 0) this.shift();
    this.head = 0;
  }

  private grow(): void {
    const cap = this.kinds.length * 2;
    const kinds = new Uint8Array(cap), acts = new Uint8Array(cap);
    const names = new Array<string | null>(cap).fill(null);
    const payloads = new Array<Buffer | null>(cap).fill(null);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.kinds.length;
      kinds[k] = this.kinds[i]!;
      acts[k] = this.acts[i]!;
      names[k] = this.names[i]!;
      payloads[k] = this.payloads[i]!;
    }
    this.kinds = kinds; this.acts = acts; this.names = names; this.payloads = payloads; this.head = 0;
  }
}
