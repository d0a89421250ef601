// Test double of a Snowflake account (no Snowflake can run here), implementing exactly what snowflake-sdk 3 calls for discovery: POST /session/v1/login-request (password or SNOWFLAKE_JWT key pair), POST /queries/v1/query-request answered in the JSON rowtype/rowset result format for ALTER SESSION, SHOW DATABASES, INFORMATION_SCHEMA.TABLES/COLUMNS, SHOW PRIMARY/UNIQUE/IMPORTED KEYS and discovery's two SELECT shapes, and POST /session?delete=true; anything else is a 404 recorded in `unexpected`.
import { createPublicKey, verify } from 'node:crypto';
import { startHttpDouble, type DoubleReply, type DoubleRequest } from './http-double.js';

export interface SfColumnModel { name: string; type: string; length?: number; precision?: number; scale?: number; nullable?: boolean; default?: string; comment?: string }

export interface SfTableModel {
  columns: SfColumnModel[];
  /** Row values as Snowflake sends them: text, or null. */
  rows: (string | null)[][];
  type?: 'BASE TABLE' | 'VIEW';
  comment?: string;
  primaryKey?: string[];
  unique?: { name: string; columns: string[] }[];
  foreignKeys?: { name: string; columns: string[]; ref: [string, string, string]; refColumns: string[] }[];
}

/** Tables by database, schema and table name; tests change it between runs. */
export type SnowflakeModel = Record<string, Record<string, Record<string, SfTableModel>>>;

export interface SnowflakeDouble {
  readonly url: string;
  readonly model: SnowflakeModel;
  /** SQL texts received, in order. */
  readonly statements: string[];
  /** Requests to endpoints the double does not implement: a test expects none. */
  readonly unexpected: string[];
  close(): Promise<void>;
}

export interface SnowflakeLoginModel { user: string; password?: string; publicKeyPem?: string }

type Cell = string | null;
interface Result { columns: [string, 'text' | 'fixed'][]; rows: Cell[][] }

const ok = (data: unknown): DoubleReply => ({ status: 200, body: { success: true, code: null, message: null, data } });
const failed = (code: string, message: string, sqlState?: string): DoubleReply => ({ status: 200, body: { success: false, code, message, data: sqlState ? { sqlState, queryId: 'q-error' } : null } });
const text = (...names: string[]): [string, 'text'][] => names.map((n) => [n, 'text']);
const str = (v: number | string | undefined | null): Cell => (v === undefined || v === null ? null : String(v));

/** RS256 JWT check: the SDK signs `iss`/`sub` with the user's private key. */
function jwtValid(token: string, publicKeyPem: string, user: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  const good = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64url'));
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string };
  return good && claims.sub?.endsWith(`.${user.toUpperCase()}`) === true;
}

export async function startSnowflakeDouble(login: SnowflakeLoginModel): Promise<SnowflakeDouble> {
  const model: SnowflakeModel = {};
  const statements: string[] = [];
  const unexpected: string[] = [];
  const token = 'double-session-token';

  const tables = (db: string) => Object.entries(model[db] ?? {}).flatMap(([schema, t]) => Object.entries(t).map(([name, table]) => ({ schema, name, table })));
  const find = (db: string, schema: string, name: string) => model[db]?.[schema]?.[name];

  function query(sql: string, binds: string[]): Result | DoubleReply {
    let m: RegExpMatchArray | null;
    if (/^ALTER SESSION SET /.test(sql)) return { columns: text('status'), rows: [['Statement executed successfully.']] };
    if (sql === 'SHOW DATABASES') return { columns: text('name', 'kind'), rows: Object.keys(model).map((n) => [n, 'STANDARD']) };
    if ((m = sql.match(/^SELECT TABLE_SCHEMA, .* FROM "([^"]+)"\.INFORMATION_SCHEMA\.TABLES\b/s))) {
      const db = m[1]!;
      if (!model[db]) return failed('002003', `Database '${db}' does not exist or not authorized.`, '02000');
      return {
        columns: [...text('TABLE_SCHEMA', 'TABLE_NAME', 'TABLE_TYPE'), ['ROW_COUNT', 'fixed'], ...text('COMMENT')],
        rows: tables(db).map(({ schema, name, table }) => [schema, name, table.type ?? 'BASE TABLE', table.type === 'VIEW' ? null : String(table.rows.length), str(table.comment)]),
      };
    }
    if ((m = sql.match(/^SELECT TABLE_SCHEMA, .* FROM "([^"]+)"\.INFORMATION_SCHEMA\.COLUMNS\b/s))) {
      return {
        columns: [...text('TABLE_SCHEMA', 'TABLE_NAME', 'COLUMN_NAME'), ['ORDINAL_POSITION', 'fixed'], ...text('DATA_TYPE'), ['CHARACTER_MAXIMUM_LENGTH', 'fixed'],
          ['NUMERIC_PRECISION', 'fixed'], ['NUMERIC_SCALE', 'fixed'], ...text('IS_NULLABLE', 'COLUMN_DEFAULT', 'COMMENT')],
        rows: tables(m[1]!).flatMap(({ schema, name, table }) => table.columns.map((c, i) => [
          schema, name, c.name, String(i + 1), c.type, str(c.length), str(c.precision), str(c.precision === undefined ? undefined : c.scale ?? 0),
          c.nullable === false ? 'NO' : 'YES', str(c.default), str(c.comment),
        ])),
      };
    }
    if ((m = sql.match(/^SHOW (PRIMARY|UNIQUE) KEYS IN DATABASE "([^"]+)"$/))) {
      const db = m[2]!;
      const keys = tables(db).flatMap(({ schema, name, table }) => m![1] === 'PRIMARY'
        ? (table.primaryKey ? [{ schema, name, key: { name: `PK_${name}`, columns: table.primaryKey } }] : [])
        : (table.unique ?? []).map((key) => ({ schema, name, key })));
      return {
        columns: [...text('database_name', 'schema_name', 'table_name', 'column_name'), ['key_sequence', 'fixed'], ...text('constraint_name')],
        // Snowflake lists key columns in no particular order; reversed here so the connector must sort by key_sequence.
        rows: keys.flatMap(({ schema, name, key }) => key.columns.map((c, i) => [db, schema, name, c, String(i + 1), key.name]).reverse()),
      };
    }
    if ((m = sql.match(/^SHOW IMPORTED KEYS IN DATABASE "([^"]+)"$/))) {
      const db = m[1]!;
      return {
        columns: [...text('pk_database_name', 'pk_schema_name', 'pk_table_name', 'pk_column_name', 'fk_database_name', 'fk_schema_name', 'fk_table_name', 'fk_column_name'), ['key_sequence', 'fixed'], ...text('fk_name')],
        rows: tables(db).flatMap(({ schema, name, table }) => (table.foreignKeys ?? []).flatMap((fk) => fk.columns.map((c, i) => [...fk.ref, fk.refColumns[i]!, db, schema, name, c, String(i + 1), fk.name]))),
      };
    }
    if ((m = sql.match(/^SELECT (.+) FROM "([^"]+)"\."([^"]+)"\."([^"]+)"(?: SAMPLE SYSTEM \([0-9.]+\))? LIMIT (\d+)$/s))) {
      const table = find(m[2]!, m[3]!, m[4]!);
      if (!table) return failed('002003', `Object '${m[2]}.${m[3]}.${m[4]}' does not exist or not authorized.`, '42S02');
      const picked = [...m[1]!.matchAll(/LEFT\(TO_VARCHAR\("([^"]+)"\), (\d+)\)/g)].map(([, c, n]) => [table.columns.findIndex((col) => col.name === c), Number(n)] as const);
      if (picked.some(([i]) => i < 0)) return failed('000904', 'SQL compilation error: invalid identifier', '42000');
      return { columns: picked.map(([i]) => [table.columns[i]!.name, 'text']), rows: table.rows.slice(0, Number(m[5])).map((r) => picked.map(([i, n]) => r[i]?.slice(0, n) ?? null)) };
    }
    if ((m = sql.match(/^SELECT COUNT\(DISTINCT "([^"]+)"\) FROM "([^"]+)"\."([^"]+)"\."([^"]+)" WHERE "[^"]+" IN \((\?(?:, \?)*)\)$/))) {
      const table = find(m[2]!, m[3]!, m[4]!);
      const i = table?.columns.findIndex((c) => c.name === m![1]) ?? -1;
      if (!table || i < 0) return failed('002003', 'Object does not exist or not authorized.', '42S02');
      const wanted = new Set(binds);
      return { columns: [['COUNT', 'fixed']], rows: [[String(new Set(table.rows.map((r) => r[i]).filter((v) => v !== null && v !== undefined && wanted.has(v))).size)]] };
    }
    return failed('001003', `SQL compilation error: the Snowflake test double does not understand: ${sql.slice(0, 80)}`, '42000');
  }

  function loginOk(data: { LOGIN_NAME?: string; PASSWORD?: string; AUTHENTICATOR?: string; TOKEN?: string }): boolean {
    if (data.LOGIN_NAME !== login.user) return false;
    if (data.AUTHENTICATOR === 'SNOWFLAKE_JWT') return login.publicKeyPem !== undefined && data.TOKEN !== undefined && jwtValid(data.TOKEN, login.publicKeyPem, login.user);
    return login.password !== undefined && data.PASSWORD === login.password;
  }

  const http = await startHttpDouble((req: DoubleRequest): DoubleReply => {
    if (req.method === 'POST' && req.path === '/session/v1/login-request') {
      const { data } = JSON.parse(req.body) as { data: { LOGIN_NAME?: string; PASSWORD?: string; AUTHENTICATOR?: string; TOKEN?: string } };
      if (!loginOk(data)) return failed('390100', 'Incorrect username or password was specified.');
      return ok({ token, masterToken: 'double-master-token', validityInSeconds: 3600, masterValidityInSeconds: 14400, sessionId: 1, parameters: [], sessionInfo: {} });
    }
    if (req.headers.authorization !== `Snowflake Token="${token}"`) return failed('390104', 'Authentication token is invalid.');
    if (req.method === 'POST' && req.path === '/queries/v1/query-request') {
      const body = JSON.parse(req.body) as { sqlText: string; bindings?: Record<string, { value: string }> };
      statements.push(body.sqlText);
      const binds = Object.entries(body.bindings ?? {}).sort(([a], [b]) => Number(a) - Number(b)).map(([, b]) => b.value);
      const result = query(body.sqlText, binds);
      if ('status' in result) return result;
      return ok({
        queryId: `q-${statements.length}`, queryResultFormat: 'json', parameters: [], total: result.rows.length, returned: result.rows.length,
        rowtype: result.columns.map(([name, type]) => ({ name, type, nullable: true, ...(type === 'fixed' ? { precision: 38, scale: 0 } : { length: 16777216 }) })),
        rowset: result.rows,
      });
    }
    if (req.method === 'POST' && req.path === '/session' && req.query.get('delete') === 'true') return ok(null);
    unexpected.push(`${req.method} ${req.path}`);
    return { status: 404, body: { success: false, message: 'not implemented by the Snowflake test double' } };
  });
  return { url: http.url, model, statements, unexpected, close: () => http.close() };
}
