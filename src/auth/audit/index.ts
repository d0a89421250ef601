/** The audit trail: AuditSink for callers, AuditLog to write, verifyAuditFiles to check. */
export { NO_AUDIT, type AuditDetail, type AuditEvent, type AuditResult, type AuditSink } from './audit-event.js';
export { AuditLog, type AuditLogOptions } from './audit-log.js';
export { GENESIS_HASH, type AuditRecord } from './audit-chain.js';
export { rotatedSiblings } from './audit-rotate.js';
export { verifyAuditFiles, type AuditProblem, type AuditProblemKind, type ChainAnchor, type VerifyOptions, type VerifyReport } from './audit-verify.js';
