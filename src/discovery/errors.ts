/** Discovery's typed errors; codes are stable and mapped to HTTP statuses by the admin API. */
import { SluiceError } from '../errors.js';

export type DiscoveryErrorCode =
  | 'SLUICE_DISCOVERY_UNSUPPORTED'
  | 'SLUICE_DISCOVERY_CONNECT'
  | 'SLUICE_DISCOVERY_QUERY'
  | 'SLUICE_DISCOVERY_SAMPLE'
  | 'SLUICE_DISCOVERY_BUSY'
  | 'SLUICE_DISCOVERY_CATALOG'
  | 'SLUICE_DISCOVERY_CANCELLED'
  | 'SLUICE_DISCOVERY_WORKER'
  | 'SLUICE_DISCOVERY_RULE_INVALID';

/**
 * SLUICE_DISCOVERY_SAMPLE: the server refused to sample one dataset (no privilege, a view that
 * errors, a timeout): the run skips that dataset and goes on. SLUICE_DISCOVERY_QUERY: the
 * connection or catalog query failed, and the run with it. SLUICE_DISCOVERY_WORKER: the run's
 * worker thread crashed or exited without reporting; the proxy goes on, the run is failed.
 */
export class DiscoveryError extends SluiceError {
  declare readonly code: DiscoveryErrorCode;
  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) { super(code, message, options); }
}
