/**
 * Passive health signals from a Redis source's own connections, fed to each host's
 * HostHealth as PostgreSQL's pools feed theirs: a connect that failed or timed out, and a
 * connection the server dropped. A connect that succeeded is the success they are weighed
 * against (commands are not timed one by one: that would cost the forwarding path), its
 * connect-and-HELLO time a latency sample beside the probes' PINGs. The outcome of the last
 * connect per host is kept for /v1/hosts (up, lastError) and sluice_host_up.
 */
import type { RoutedHost } from '../../router/host-set.js';
import { RedisServerConnection, type RedisConnectOptions } from './server-connection.js';

export interface RoutedConnectOptions extends RedisConnectOptions {
  host: RoutedHost;
}

/** How shared groups, the subscriber hub and the dedicated pool open connections. */
export type RedisConnect = (options: RoutedConnectOptions) => Promise<RedisServerConnection>;

export class HostSignals {
  /** By host key: the error of the last connect, null when it succeeded. */
  readonly lastConnect = new Map<string, { error: string | null; at: number }>();

  readonly connect: RedisConnect = async (options) => {
    const { host } = options;
    const started = performance.now();
    let conn: RedisServerConnection;
    try {
      conn = await RedisServerConnection.connect(options);
    } catch (err) {
      this.lastConnect.set(host.key, { error: err instanceof Error ? err.message : String(err), at: Date.now() });
      // The connect timer is the only thing that ends an attempt this late.
      host.health.recordFailure(performance.now() - started >= options.timeoutMs ? 'timeout' : 'connect');
      throw err;
    }
    this.lastConnect.set(host.key, { error: null, at: Date.now() });
    host.health.recordSuccess(performance.now() - started);
    conn.onServerGone = () => host.health.recordFailure('connectionLost');
    return conn;
  };
}
