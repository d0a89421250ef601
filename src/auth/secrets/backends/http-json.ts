/**
 * JSON over HTTP for the secret backends that have no SDK here (Vault, the Azure token
 * endpoint). Failures become SecretBackendError with a code per cause; response bodies are
 * never quoted in messages, since they may hold the very secret being fetched.
 */
import { SecretBackendError } from '../../../errors.js';

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON, or as a form when `form` is true (OAuth token endpoints take forms). */
  body?: Record<string, string | number>;
  form?: boolean;
  timeoutMs: number;
  /** Names the backend and the object in messages: "Vault KV secret/app". */
  what: string;
}

export interface JsonResponse { status: number; body: unknown }

/** The parsed body of a 2xx answer; 404 → SLUICE_SECRET_NOT_FOUND, 401/403 → SLUICE_SECRET_BACKEND_DENIED. */
export async function requestJson(req: JsonRequest): Promise<unknown> {
  const res = await sendJson(req);
  if (res.status >= 200 && res.status < 300) return res.body;
  if (res.status === 404) throw new SecretBackendError('SLUICE_SECRET_NOT_FOUND', `${req.what}: not found (HTTP 404)`);
  if (res.status === 401 || res.status === 403) throw new SecretBackendError('SLUICE_SECRET_BACKEND_DENIED', `${req.what}: permission denied (HTTP ${res.status}); check the backend credentials and policy`);
  throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${req.what}: HTTP ${res.status}${errorSummary(res.body)}`);
}

/** Any status, with the body parsed when it is JSON; only transport failures throw. */
export async function sendJson(req: JsonRequest): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined && req.form === true) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(req.body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  } else if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.body);
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs} ms` : describe(err);
    throw new SecretBackendError('SLUICE_SECRET_BACKEND_UNREACHABLE', `${req.what}: cannot reach ${new URL(req.url).origin} (${reason})`, { cause: err });
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      if (res.ok) throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${req.what}: the answer is not JSON`);
    }
  }
  return { status: res.status, body: parsed };
}

/** Vault's `errors: [...]` and OAuth's `error` are codes and sentences, safe to show. */
function errorSummary(body: unknown): string {
  const b = asRecord(body);
  const errors = b['errors'];
  if (Array.isArray(errors) && errors.length > 0) return `: ${errors.filter((e) => typeof e === 'string').join('; ')}`;
  if (typeof b['error'] === 'string') return `: ${b['error']}`;
  return '';
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.message : String(err));
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

/** A string field of a backend answer, or SLUICE_SECRET_BACKEND_RESPONSE naming what was missing. */
export function stringField(record: Record<string, unknown>, key: string, what: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what}: the answer has no string "${key}"`);
  return value;
}

export function numberField(record: Record<string, unknown>, key: string, fallback: number): number {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
