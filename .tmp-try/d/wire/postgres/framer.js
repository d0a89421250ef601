/**
 * Splits a byte stream of typed PostgreSQL messages (1 type byte + int32 length) into whole
 * messages without copying: a message that lies inside one chunk is handed over as a
 * (buffer, start, end) view of that chunk. Only a message split across chunks is copied,
 * and a large one the handler agrees to stream is passed through piece by piece so that a
 * 1 GB DataRow or CopyData never sits in memory whole.
 *
 * Hand-written rather than pg-protocol's Parser: that parser decodes every message into an
 * object, and the forwarding path only needs the type and the length.
 */
import { ProtocolError } from '../../errors.js';
import { HEADER_SIZE } from './constants.js';
export class MessageFramer {
    handler;
    maxMessageSize;
    streamThreshold;
    /** Bytes of a message split across chunks; `partialFill` of them are present. */
    partial = null;
    partialFill = 0;
    headerBuf = Buffer.allocUnsafe(HEADER_SIZE);
    headerFill = 0;
    streamRemaining = 0;
    halted = false;
    constructor(handler, maxMessageSize, streamThreshold = 256 * 1024) {
        this.handler = handler;
        this.maxMessageSize = maxMessageSize;
        this.streamThreshold = streamThreshold;
    }
    /** Stop delivering messages (the connection is being closed). */
    halt() { this.halted = true; }
    /** True while part of a message has been received but not all of it. */
    get midMessage() { return this.headerFill > 0 || this.partial !== null || this.streamRemaining > 0; }
    /** Feed one chunk. Throws ProtocolError on a length field that is impossible or too large. */
    push(chunk) {
        let off = 0;
        const len = chunk.length;
        if (this.streamRemaining > 0)
            off = this.continueStream(chunk, 0);
        if (this.headerFill > 0 && off < len)
            off = this.continueHeader(chunk, off);
        if (this.partial !== null && off < len)
            off = this.continuePartial(chunk, off);
        while (off < len && !this.halted) {
            if (len - off < HEADER_SIZE) {
                chunk.copy(this.headerBuf, 0, off, len);
                this.headerFill = len - off;
                return;
            }
            const type = chunk[off];
            const total = this.messageLength(chunk.readInt32BE(off + 1));
            if (off + total <= len) {
                this.handler.onMessage(type, chunk, off, off + total);
                off += total;
                continue;
            }
            this.beginSplitMessage(type, total, chunk, off);
            return;
        }
    }
    messageLength(lengthField) {
        if (lengthField < 4)
            throw new ProtocolError(`invalid message length ${lengthField}`);
        if (lengthField + 1 > this.maxMessageSize) {
            throw new ProtocolError(`message of ${lengthField + 1} bytes exceeds max_packet_size ${this.maxMessageSize}`);
        }
        return lengthField + 1;
    }
    /** A message starts at chunk[off] and runs past the chunk's end. */
    beginSplitMessage(type, total, chunk, off) {
        if (total > this.streamThreshold && this.handler.wantsStream(type, total)) {
            this.streamRemaining = total - (chunk.length - off);
            this.handler.onStreamData(chunk, off, chunk.length, false);
            return;
        }
        this.partial = Buffer.allocUnsafe(total);
        this.partialFill = chunk.copy(this.partial, 0, off);
    }
    continueStream(chunk, off) {
        const n = Math.min(this.streamRemaining, chunk.length - off);
        this.streamRemaining -= n;
        this.handler.onStreamData(chunk, off, off + n, this.streamRemaining === 0);
        return off + n;
    }
    continueHeader(chunk, off) {
        const take = Math.min(HEADER_SIZE - this.headerFill, chunk.length - off);
        chunk.copy(this.headerBuf, this.headerFill, off, off + take);
        this.headerFill += take;
        off += take;
        if (this.headerFill < HEADER_SIZE)
            return off;
        this.headerFill = 0;
        const type = this.headerBuf[0];
        const total = this.messageLength(this.headerBuf.readInt32BE(1));
        if (total === HEADER_SIZE) {
            // A copy: handlers may hand the bytes to socket.write, which keeps a reference.
            this.handler.onMessage(type, Buffer.from(this.headerBuf), 0, HEADER_SIZE);
            return off;
        }
        if (total > this.streamThreshold && this.handler.wantsStream(type, total)) {
            this.streamRemaining = total - HEADER_SIZE;
            this.handler.onStreamData(Buffer.from(this.headerBuf), 0, HEADER_SIZE, false);
            return this.continueStream(chunk, off);
        }
        this.partial = Buffer.allocUnsafe(total);
        this.headerBuf.copy(this.partial, 0, 0, HEADER_SIZE);
        this.partialFill = HEADER_SIZE;
        return this.continuePartial(chunk, off);
    }
    continuePartial(chunk, off) {
        const partial = this.partial;
        const take = Math.min(partial.length - this.partialFill, chunk.length - off);
        chunk.copy(partial, this.partialFill, off, off + take);
        this.partialFill += take;
        if (this.partialFill === partial.length) {
            this.partial = null;
            this.handler.onMessage(partial[0], partial, 0, partial.length);
        }
        return off + take;
    }
}
//# sourceMappingURL=framer.js.map