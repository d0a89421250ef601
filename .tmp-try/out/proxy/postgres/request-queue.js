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
};
export const Act = {
    Forward: 1,
    /** Sluice's own request: its responses are not the client's. */
    Skip: 2,
    /** Answered by Sluice when it reaches the head: the server never saw it. */
    Fake: 3,
};
export class RequestQueue {
    kinds;
    acts;
    /** Statement name (server-side) a Parse/Close is about, or a fake's payload. */
    names;
    head = 0;
    count = 0;
    constructor(capacity = 64) {
        this.kinds = new Uint8Array(capacity);
        this.acts = new Uint8Array(capacity);
        this.names = new Array(capacity).fill(null);
    }
    get length() { return this.count; }
    get empty() { return this.count === 0; }
    push(kind, act, name = null) {
        if (this.count === this.kinds.length)
            this.grow();
        const i = (this.head + this.count) % this.kinds.length;
        this.kinds[i] = kind;
        this.acts[i] = act;
        this.names[i] = name;
        this.count++;
    }
    headKind() { return this.count === 0 ? 0 : this.kinds[this.head]; }
    headAct() { return this.count === 0 ? 0 : this.acts[this.head]; }
    headName() { return this.count === 0 ? null : this.names[this.head]; }
    shift() {
        if (this.count === 0)
            return;
        this.names[this.head] = null;
        this.head = (this.head + 1) % this.kinds.length;
        this.count--;
    }
    clear() {
        while (this.count > 0)
            this.shift();
        this.head = 0;
    }
    grow() {
        const cap = this.kinds.length * 2;
        const kinds = new Uint8Array(cap), acts = new Uint8Array(cap);
        const names = new Array(cap).fill(null);
        for (let k = 0; k < this.count; k++) {
            const i = (this.head + k) % this.kinds.length;
            kinds[k] = this.kinds[i];
            acts[k] = this.acts[i];
            names[k] = this.names[i];
        }
        this.kinds = kinds;
        this.acts = acts;
        this.names = names;
        this.head = 0;
    }
}
//# sourceMappingURL=request-queue.js.map