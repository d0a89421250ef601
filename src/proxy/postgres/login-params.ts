/**
 * The session parameters a client starts with: the first server's ParameterStatus values with
 * the client's startup settings (and `options=-c ...`) over them, and the ParameterStatus
 * messages that show them at the end of its login.
 */
import { parameterStatus } from '../../wire/postgres/backend-messages.js';
import { parseOptionsParameter } from '../../wire/postgres/startup.js';
import { NOT_SESSION_SETTINGS } from './parameters.js';

/** The startup packet's session settings, `options` unfolded. */
export function startupSettings(startup: Map<string, string>): Map<string, string> {
  const settings = new Map<string, string>();
  for (const [k, v] of startup) if (!NOT_SESSION_SETTINGS.has(k)) settings.set(k, v);
  const options = startup.get('options');
  if (options) for (const [k, v] of parseOptionsParameter(options)) settings.set(k, v);
  return settings;
}

export function loginParams(serverParams: Map<string, string> | null, settings: Map<string, string>): { params: Map<string, string>; shown: Buffer[] } {
  const params = new Map(serverParams ?? []);
  // GUC names are case-insensitive; keep the server's spelling (TimeZone, not timezone) so a
  // startup value and the client's later SETs land on one entry.
  const spelled = new Map<string, string>();
  for (const k of params.keys()) spelled.set(k.toLowerCase(), k);
  for (const [k, v] of settings) params.set(spelled.get(k.toLowerCase()) ?? k, v);
  const shown = [...(serverParams?.keys() ?? [])].map((k) => parameterStatus(k, params.get(k)!));
  return { params, shown };
}
