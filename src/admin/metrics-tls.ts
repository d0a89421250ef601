/** TLS handshake pacing on /metrics: handshakes that waited for their turn, and those waiting now. */
import type { Registry } from 'prom-client';
import type { HandshakeGate } from '../proxy/tls/handshake-gate.js';
import type { Row } from './scraped-series.js';
import { scrapedSeries } from './scraped-series.js';

/** `gates` names each listener's gate by protocol; a listener without TLS may still have one (it never waits). */
export function registerHandshakeGateMetrics(register: Registry, gates: () => Iterable<[protocol: string, gate: HandshakeGate]>): void {
  const rows = (value: (gate: HandshakeGate) => number) => function* (): Iterable<Row> {
    for (const [protocol, gate] of gates()) yield [{ protocol }, value(gate)];
  };
  scrapedSeries(register, 'counter', 'sluice_tls_handshakes_deferred_total', 'TLS handshakes that waited for their turn because the event loop was busy (client_tls.busy_handshake_rate)', ['protocol'], rows((g) => g.deferred));
  scrapedSeries(register, 'gauge', 'sluice_tls_handshakes_waiting', 'TLS handshakes waiting for their turn now', ['protocol'], rows((g) => g.queued));
}
