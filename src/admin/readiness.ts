/**
 * /readyz: ready when the listeners are bound and every source can reach at least one host.
 * A host counts as reachable when its last pool connect succeeded or it holds a live server
 * connection; a source whose pools never tried any host yet gets a plain TCP probe, so a
 * fresh gateway with min_size 0 is not reported unready merely for lack of traffic.
 */
import net from 'node:net';
import type { HostView } from './inventory-types.js';

const PROBE_TIMEOUT_MS = 1000;

export interface ReadinessInput {
  /** Reasons a listener is not bound (empty when all are). */
  listenerProblems: string[];
  /** Hosts of each source, by source name. */
  sources: Map<string, HostView[]>;
}

export async function readiness(input: ReadinessInput): Promise<string[]> {
  const reasons = [...input.listenerProblems];
  await Promise.all([...input.sources].map(async ([source, hosts]) => {
    const reason = await sourceProblem(source, hosts);
    if (reason !== null) reasons.push(reason);
  }));
  return reasons;
}

async function sourceProblem(source: string, hosts: HostView[]): Promise<string | null> {
  const usable = hosts.filter((h) => !h.disabled);
  if (usable.length === 0) return `source "${source}": every host is disabled`;
  if (usable.some((h) => h.up === true || h.connections > 0)) return null;
  const tried = usable.filter((h) => h.up === false);
  if (tried.length === usable.length) {
    return `source "${source}": no reachable host (${tried.map((h) => `${h.key}: ${h.lastError ?? 'connect failed'}`).join('; ')})`;
  }
  const probes = await Promise.all(usable.filter((h) => h.up == null).map((h) => probe(h.host, h.port).then((err) => (err === null ? null : `${h.key}: ${err}`))));
  if (probes.some((p) => p === null)) return null;
  return `source "${source}": no reachable host (${[...tried.map((h) => `${h.key}: ${h.lastError ?? 'connect failed'}`), ...probes].join('; ')})`;
}

/** null when a TCP connection opens within the timeout; otherwise why not. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string | null): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(err.message));
  });
}
