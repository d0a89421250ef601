/** Errors the admin API answers with, mapped to HTTP statuses by server.ts. */
import { SluiceError } from '../errors.js';

/** A source, client or host named in the URL does not exist. */
export class AdminNotFoundError extends SluiceError {
  constructor(message: string) { super('SLUICE_ADMIN_NOT_FOUND', message); }
}

/** The operation exists but cannot run in this process (e.g. reload without a config file). */
export class AdminUnavailableError extends SluiceError {
  constructor(message: string) { super('SLUICE_ADMIN_UNAVAILABLE', message); }
}

export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  SLUICE_ADMIN_NOT_FOUND: 404,
  SLUICE_ADMIN_UNAVAILABLE: 409,
  SLUICE_CONFIG_INVALID: 400,
};
