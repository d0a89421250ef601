/**
 * The pub/sub replies Sluice writes itself: subscribe/unsubscribe confirmations carry the
 * client's own subscription count, which only Sluice knows, since the server connection is
 * shared. RESP3 clients get them as push frames ('>'), RESP2 clients as arrays.
 */
import { bulkReply, integerReply, type RespVersion } from '../../wire/redis/index.js';

export function confirmation(kindWord: string, name: Buffer | null, count: number, version: RespVersion): Buffer {
  const head = Buffer.from(version === 3 ? '>3\r\n' : '*3\r\n');
  const nameReply = name === null ? Buffer.from(version === 3 ? '_\r\n' : '$-1\r\n') : bulkReply(name);
  return Buffer.concat([head, bulkReply(kindWord), nameReply, integerReply(count)]);
}

/** PING while subscribed in RESP2: ["pong", message or ""], as Redis answers it. */
export function subscribedPong(message: Buffer | null): Buffer {
  return Buffer.concat([Buffer.from('*2\r\n'), bulkReply('pong'), bulkReply(message ?? '')]);
}

export const PUSH_TYPE = Buffer.from('>');
