export class Forwarder {
    socket;
    target;
    buf = null;
    start = 0;
    end = 0;
    /** Bytes written through this forwarder, for stats; read on scrape. */
    bytes = 0;
    constructor(socket, target) {
        this.socket = socket;
        this.target = target;
    }
    /** Queue buf[start, end) after what is already queued. */
    forward(buf, start, end) {
        if (this.buf === buf && this.end === start) {
            this.end = end;
            return;
        }
        this.flush();
        this.buf = buf;
        this.start = start;
        this.end = end;
    }
    /** Write a message Sluice built, in order after what is queued. */
    send(msg) {
        this.flush();
        this.write(msg);
    }
    flush() {
        const buf = this.buf;
        if (buf === null)
            return;
        this.buf = null;
        // A range that covers the whole chunk needs no view object.
        this.write(this.start === 0 && this.end === buf.length ? buf : buf.subarray(this.start, this.end));
    }
    write(data) {
        this.bytes += data.length;
        if (this.socket.destroyed)
            return;
        if (!this.socket.write(data))
            this.target.onDestinationFull();
    }
}
//# sourceMappingURL=forwarder.js.map