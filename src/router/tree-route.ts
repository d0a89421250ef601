/**
 * The read/write split from PostgreSQL's parse tree, for texts the lexical classifier left
 * unsure. Same rules, judged on the tree rather than on tokens: a SELECT (or SHOW) is a read
 * unless anywhere inside it there is a locking clause, SELECT INTO, a data-modifying CTE or
 * a call that `judge` does not clear; BEGIN READ ONLY … COMMIT spans are reads; everything
 * else is a write. The tree is walked with an explicit stack, so no nesting depth can
 * overflow the JavaScript stack.
 */
import type { RawStmt } from 'libpg-query';
import { type Classification, outcome, TextVerdict, TXN_CONTROL, type TxnEffect } from './route-class.js';

/** A call of schema.name (schema null when unqualified): its class, or null when it is known not to write. */
export type CallJudge = (schema: string | null, name: string) => Classification | null;

const SELECT = outcome('read', 'select');
const SHOW = outcome('read', 'show');
const READ_ONLY_TXN = outcome('read', 'begin-read-only');
const READ_WRITE_TXN = outcome('write', 'begin-read-write');
const LOCKING = outcome('write', 'locking-clause');
const SELECT_INTO = outcome('write', 'select-into');
const MODIFYING = outcome('write', 'data-modifying');
const OTHER = outcome('write', 'statement');

const MODIFYING_NODES: ReadonlySet<string> = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null;
}

export class TreeRouter {
  private readonly verdict = new TextVerdict();
  private effect: TxnEffect = 'none';
  private readonly stack: unknown[] = [];

  constructor(private readonly judge: CallJudge) {}

  classify(stmts: readonly RawStmt[]): Classification {
    const verdict = this.verdict;
    verdict.reset();
    for (const raw of stmts) {
      const r = this.statement(raw.stmt);
      if (verdict.add(r, this.effect)) return r;
    }
    return verdict.result();
  }

  private statement(stmt: unknown): Classification {
    this.effect = 'none';
    if (!isTree(stmt)) return OTHER;
    if (isTree(stmt.SelectStmt)) return this.query(stmt.SelectStmt);
    if (isTree(stmt.VariableShowStmt)) return SHOW;
    if (isTree(stmt.TransactionStmt)) return this.transaction(stmt.TransactionStmt);
    return OTHER;
  }

  /** BEGIN/START [READ ONLY | READ WRITE], COMMIT/ROLLBACK [AND CHAIN]; savepoints and two-phase commands are writes. */
  private transaction(t: Tree): Classification {
    switch (t.kind) {
      case 'TRANS_STMT_BEGIN': case 'TRANS_STMT_START': {
        const readOnly = readOnlyOption(t.options);
        if (readOnly === false) return READ_WRITE_TXN;
        this.effect = readOnly === true ? 'begin-read-only' : 'begin';
        return readOnly === true ? READ_ONLY_TXN : TXN_CONTROL;
      }
      case 'TRANS_STMT_COMMIT': case 'TRANS_STMT_ROLLBACK':
        // AND CHAIN starts the next transaction at once, with the same characteristics.
        this.effect = t.chain === true ? 'none' : 'end';
        return TXN_CONTROL;
      default:
        return OTHER;
    }
  }

  /** Every node under a SELECT, looking for what makes it write or unsure. */
  private query(select: Tree): Classification {
    const stack = this.stack;
    stack.length = 0;
    stack.push(select);
    let result = SELECT;
    while (stack.length > 0) {
      const node = stack.pop();
      if (Array.isArray(node)) {
        for (const v of node) if (isTree(v)) stack.push(v);
        continue;
      }
      if (!isTree(node)) continue;
      for (const key in node) {
        const v = node[key];
        if (!isTree(v)) continue;
        if (key === 'lockingClause') return LOCKING;
        if (key === 'intoClause') return SELECT_INTO;
        if (MODIFYING_NODES.has(key)) return MODIFYING;
        if (key === 'FuncCall') {
          const r = this.call(v.funcname);
          if (r !== null && r.route === 'write') return r;
          if (r !== null) result = r;
        }
        stack.push(v);
      }
    }
    return result;
  }

  /** funcname is [name], [schema, name] or [catalog, schema, name], each a String node. */
  private call(funcname: unknown): Classification | null {
    if (!Array.isArray(funcname) || funcname.length === 0) return OTHER;
    const parts: string[] = [];
    for (const p of funcname) {
      const s = isTree(p) && isTree(p.String) ? p.String.sval : undefined;
      if (typeof s !== 'string') return OTHER;
      parts.push(s);
    }
    const name = parts[parts.length - 1]!;
    return this.judge(parts.length > 1 ? parts[parts.length - 2]! : null, name);
  }
}

/** true for READ ONLY, false for READ WRITE, null when the BEGIN says neither. */
function readOnlyOption(options: unknown): boolean | null {
  if (!Array.isArray(options)) return null;
  let readOnly: boolean | null = null;
  for (const o of options) {
    const def = isTree(o) && isTree(o.DefElem) ? o.DefElem : null;
    if (def === null || def.defname !== 'transaction_read_only') continue;
    const konst = isTree(def.arg) && isTree(def.arg.A_Const) ? def.arg.A_Const : null;
    readOnly = konst !== null && isTree(konst.ival) && konst.ival.ival === 1;
  }
  return readOnly;
}
