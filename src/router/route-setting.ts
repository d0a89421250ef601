/**
 * The session override `SET sluice.route = primary | replica | default` (issue 4 item 4).
 * The client session answers it itself (CommandComplete "SET") instead of forwarding it:
 * PostgreSQL parses unquoted `primary` as a reserved word and would reject the statement,
 * and the setting means nothing to the server. RESET sluice.route goes back to the default,
 * and so do RESET ALL and DISCARD ALL, which still go to the server. SET LOCAL is not
 * recognised and goes to the server: by then the transaction has been routed.
 */
import { SqlLexer, Tok } from './sql-lexer.js';

export type SessionRoute = 'primary' | 'replica' | 'default';

export interface RouteChange {
  readonly route: SessionRoute;
  /** The CommandComplete tag the session answers with itself; null: forward the statement as usual. */
  readonly answer: 'SET' | 'RESET' | null;
}

const change = (route: SessionRoute, answer: RouteChange['answer']): RouteChange => Object.freeze({ route, answer });
const SET_PRIMARY = change('primary', 'SET');
const SET_REPLICA = change('replica', 'SET');
const SET_DEFAULT = change('default', 'SET');
const RESET_ROUTE = change('default', 'RESET');
const RESET_BY_SERVER_STATEMENT = change('default', null);

const lexer = new SqlLexer();

/** How a statement changes the session's route, or null when it does not. */
export function sessionRoute(sql: string): RouteChange | null {
  lexer.reset(sql);
  if (lexer.next() !== Tok.Word) return null;
  const first = lexer.word();
  if (first === 'discard' || first === 'reset') {
    const w = wordAfter();
    if (w === 'all') return end(RESET_BY_SERVER_STATEMENT);
    return first === 'reset' && w === 'sluice' && settingName() ? end(RESET_ROUTE) : null;
  }
  if (first !== 'set') return null;
  let w = wordAfter();
  if (w === 'session') w = wordAfter();
  if (w !== 'sluice' || !settingName()) return null;
  const t = lexer.next();
  const isAssign = (t === Tok.Operator && sql.slice(lexer.start, lexer.end) === '=') || (t === Tok.Word && lexer.word() === 'to');
  if (!isAssign) return null;
  const v = lexer.next();
  let value: string;
  if (v === Tok.Word) value = lexer.word();
  else if (v === Tok.String) value = sql.slice(lexer.start + 1, lexer.end - 1).toLowerCase();
  else return null;
  if (value === 'primary') return end(SET_PRIMARY);
  if (value === 'replica') return end(SET_REPLICA);
  return value === 'default' ? end(SET_DEFAULT) : null;
}

function wordAfter(): string | null {
  return lexer.next() === Tok.Word ? lexer.word() : null;
}

/** `.route` after `sluice`. */
function settingName(): boolean {
  return lexer.next() === Tok.Dot && wordAfter() === 'route';
}

/** Only a statement that ends here counts: `SET sluice.route = replica, x` is an error on the server. */
function end(r: RouteChange): RouteChange | null {
  const t = lexer.next();
  return t === Tok.End || t === Tok.Semicolon ? r : null;
}
