/** SQLSTATE codes Sluice sends to clients (PostgreSQL Appendix A). */
export const SQLSTATE = {
  ProtocolViolation: '08P01',
  ConnectionFailure: '08006',
  ConnectionException: '08000',
  InvalidPassword: '28P01',
  InvalidAuthorization: '28000',
  InsufficientPrivilege: '42501',
  UnknownDatabase: '3D000',
  TooManyConnections: '53300',
  QueryCanceled: '57014',
  AdminShutdown: '57P01',
  CannotConnectNow: '57P03',
  FeatureNotSupported: '0A000',
  IdleInTransactionTimeout: '25P03',
  ActiveSqlTransaction: '25001',
  InternalError: 'XX000',
  ConfigurationLimitExceeded: '53400',
} as const;

export type SqlState = (typeof SQLSTATE)[keyof typeof SQLSTATE];
