/** What callers hand to the audit trail; the chain fields (seq, time, prev, hash) are added by the log. */

export const AUDIT_RESULTS = ['ok', 'denied', 'failed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export type AuditDetail = Readonly<Record<string, string | number | boolean>>;

export interface AuditEvent {
  /** Who acted, e.g. 'token:ci-bot', 'user:alice', 'anonymous'. */
  actor: string;
  /** What they did, e.g. 'client.login', 'admin.pause', 'admin.auth'. */
  action: string;
  /** What it was done to, e.g. 'source:app', 'client:c12', 'GET /v1/pools'. */
  target: string;
  result: AuditResult;
  /** The remote address "ip:port", or null when there is none (console, signal). */
  source: string | null;
  detail?: AuditDetail;
}

/** The one thing the admin server and the login paths need: a place to drop events. */
export interface AuditSink {
  record(event: AuditEvent): void;
}

/** Audit disabled: callers record unconditionally and pay nothing. */
export const NO_AUDIT: AuditSink = Object.freeze({ record(): void {} });
