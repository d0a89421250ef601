/**
 * Passive health signals in a server's ErrorResponse (issue 4 item 2): 57P01-57P03 (the
 * server is shutting down or not accepting work) count as failures of the host; 25006 (read-
 * only transaction) from a host thought primary asks for an immediate probe, since it may say
 * the host was demoted or only that the client's own transaction was READ ONLY. Only errors pass here,
 * so the SQLSTATE is found by scanning the fields in place rather than decoding them all.
 */
import type { HostHealth } from '../../health/host-health.js';

const C = 0x43;

/** Note what the ErrorResponse at buf[start, end) says about the host's health. */
export function noteServerError(health: HostHealth, buf: Buffer, start: number, end: number): void {
  let o = start + 5;
  while (o < end && buf[o] !== 0) {
    const nul = buf.indexOf(0, o + 1);
    if (nul < 0 || nul >= end) return;
    if (buf[o] === C && nul - o === 6) {
      signal(health, buf, o + 1);
      return;
    }
    o = nul + 1;
  }
}

function signal(health: HostHealth, buf: Buffer, at: number): void {
  const code = buf.toString('latin1', at, at + 5);
  if (code === '57P01' || code === '57P02' || code === '57P03') health.recordFailure('serverTerminated');
  else if (code === '25006' && health.role === 'primary') health.recordFailure('readOnlyOnPrimary');
}
