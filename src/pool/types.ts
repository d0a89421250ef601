/**
 * The contract between a protocol and the protocol-agnostic pool. A protocol supplies a
 * Connector; the pool owns leases, the FIFO wait queue, timeouts, lifetime and idle policy.
 */
import type { SluiceError } from '../errors.js';

/** Where a server connection goes; chosen by the router from health figures. */
export interface HostTarget {
  readonly host: string;
  readonly port: number;
  /** Stable key such as "127.0.0.1:5432", for stats and health. */
  readonly key: string;
}

export interface PooledConnection {
  readonly id: number;
  readonly host: HostTarget;
  /** Date.now() at open; the pool measures server_lifetime from it. */
  readonly createdAt: number;
  /** Date.now(); set by the pool each time the connection is returned idle. */
  lastUsedAt: number;
  /** True once the connection is broken or closed; the pool drops it. */
  readonly closed: boolean;
  /** Close the socket; the pool calls this for lifetime, idle timeout, resize and shutdown. */
  close(reason: string): void;
}

export interface Connector<C extends PooledConnection> {
  /** Open and log in; reject with a SluiceError (ServerConnectError) on failure. */
  connect(host: HostTarget, timeoutMs: number): Promise<C>;
  /** server_check_query; reject if the connection is unusable. Optional. */
  check?(conn: C): Promise<void>;
  /** Session-mode reset (server_reset_query) on release. Optional. */
  reset?(conn: C): Promise<void>;
}

/** Picks the host for a new server connection; null when no host may serve now. */
export type HostPicker = () => HostTarget | null;

/** A client waiting for a lease. onLease may be called synchronously inside acquire(). */
export interface LeaseWaiter<C> {
  onLease(conn: C): void;
  onLeaseError(err: SluiceError): void;
}
