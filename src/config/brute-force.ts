/** The `brute_force:` section resolved: defaults filled, durations in milliseconds. */
import type { KeyPath } from './issue-text.js';
import { BRUTE_FORCE_DEFAULTS, type RawBruteForce } from './schema.js';
import type { BruteForceConfig } from './types.js';

export function resolveBruteForce(raw: RawBruteForce | undefined, ms: (value: string | number, path: KeyPath) => number): BruteForceConfig {
  const b = { ...BRUTE_FORCE_DEFAULTS, ...raw };
  const at = (key: string): KeyPath => ['brute_force', key];
  return {
    enabled: b.enabled,
    window: ms(b.window, at('window')),
    user_delay_after: b.user_delay_after,
    user_lockout_after: b.user_lockout_after,
    address_delay_after: b.address_delay_after,
    address_lockout_after: b.address_lockout_after,
    delay: ms(b.delay, at('delay')),
    max_delay: ms(b.max_delay, at('max_delay')),
    lockout: ms(b.lockout, at('lockout')),
  };
}
