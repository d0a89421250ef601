/**
 * During a rotation the secret store may be ahead of the database: AWS Secrets Manager's
 * AWSCURRENT already holds a password the server does not accept yet. A server login refused
 * with a password that came from such a store is tried once more with the store's previous
 * value. The running configuration registers where previous values come from; nothing is
 * registered when Sluice runs without secret backends (tests building a Gateway directly).
 */
import { ServerConnectError } from '../../errors.js';

export type PreviousValueSource = (password: string) => Promise<string | undefined>;

let source: PreviousValueSource | null = null;

export function setPreviousValueSource(next: PreviousValueSource | null): void {
  source = next;
}

/** `retry` with the previous value when `err` is a refused login and one exists; else rethrows `err`. */
export async function retryWithPreviousValue<T>(err: unknown, password: string, retry: (password: string) => Promise<T>): Promise<T> {
  if (!(err instanceof ServerConnectError) || !err.refused || source === null) throw err;
  const previous = await source(password);
  if (previous === undefined) throw err;
  return retry(previous);
}
