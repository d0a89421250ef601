/** Commands Sluice sends on its own (login, reset, subscriptions), as RESP arrays of bulks. */
import { arrayOfBulks } from '../../wire/redis/index.js';

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  return arrayOfBulks(args, 2);
}
