/**
 * A prober's connection per host: opened at the first probe, kept while it stays open, and
 * closed when a probe fails or is aborted so the next probe starts on a fresh one. Shared by
 * the PostgreSQL, MySQL and Redis probes; the protocol supplies how to open one.
 */
export interface ProbeConnection {
  readonly closed: boolean;
  close(reason: string): void;
}

export class KeptConnections<H, C extends ProbeConnection> {
  private readonly conns = new Map<H, C>();

  constructor(private readonly open: (host: H) => Promise<C>) {}

  /** Run one probe on the host's kept connection. */
  async probe<R>(host: H, signal: AbortSignal, run: (conn: C) => Promise<R>): Promise<R> {
    const onAbort = (): void => this.drop(host, 'probe aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(await this.connection(host, signal));
    } catch (err) {
      this.drop(host, 'probe failed');
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  closeAll(reason: string): void {
    for (const host of [...this.conns.keys()]) this.drop(host, reason);
  }

  private async connection(host: H, signal: AbortSignal): Promise<C> {
    const kept = this.conns.get(host);
    if (kept !== undefined && !kept.closed) return kept;
    const conn = await this.open(host);
    // The probe timed out while connecting: a connection nobody waits for must not linger.
    if (signal.aborted) {
      conn.close('probe aborted');
      throw new Error('probe aborted');
    }
    this.conns.set(host, conn);
    return conn;
  }

  private drop(host: H, reason: string): void {
    const conn = this.conns.get(host);
    this.conns.delete(host);
    if (conn !== undefined && !conn.closed) conn.close(reason);
  }
}
