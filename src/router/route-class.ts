/**
 * The answer of the read/write split: 'read' may go to a replica; 'write' and 'unsure' go to
 * the primary. Shared by the lexical classifier and the parse-tree fallback, which hand out
 * one frozen object per outcome so that classifying allocates nothing for its answer.
 */
export type RouteClass = 'read' | 'write' | 'unsure';

export interface Classification {
  readonly route: RouteClass;
  /** A stable label for logs and metrics, such as 'select', 'locking-clause', 'unknown-function'. */
  readonly reason: string;
}

const results = new Map<string, Classification>();

export function outcome(route: RouteClass, reason: string): Classification {
  const key = `${route}:${reason}`;
  let r = results.get(key);
  if (r === undefined) {
    r = Object.freeze({ route, reason });
    results.set(key, r);
  }
  return r;
}

/** How write-ish each class is: a text is as write-ish as its worst statement. */
export const RANK: Readonly<Record<RouteClass, number>> = { read: 0, unsure: 1, write: 2 };

export const TXN_CONTROL = outcome('read', 'transaction-control');
export const OPEN_TXN = outcome('write', 'open-transaction');
export const EMPTY = outcome('write', 'empty');

/** How a statement changes the transaction its text is in. */
export type TxnEffect = 'none' | 'begin' | 'begin-read-only' | 'end';

/**
 * The answer for a whole text, statement by statement: a write outside BEGIN READ ONLY
 * settles it; otherwise the worst statement wins, and a BEGIN left open makes it a write
 * (later texts of that transaction may write). Inside BEGIN READ ONLY the server itself
 * refuses writes on every host, so statements there are not judged.
 */
export class TextVerdict {
  private worst: Classification | null = null;
  private open = false;
  private readOnlyTxn = false;

  reset(): void {
    this.worst = null;
    this.open = this.readOnlyTxn = false;
  }

  /** Add one statement's class; true when the text is settled as `r` (a write). */
  add(r: Classification, effect: TxnEffect): boolean {
    const skipped = this.readOnlyTxn && effect !== 'end';
    if (effect === 'end') this.open = this.readOnlyTxn = false;
    else if (effect === 'begin-read-only' && !this.readOnlyTxn) this.readOnlyTxn = true;
    else if (effect === 'begin') this.open = true;
    if (skipped) return false;
    if (r.route === 'write') return true;
    const worst = this.worst;
    // A substantive statement names the outcome better than the BEGIN or COMMIT around it.
    if (worst === null || RANK[r.route] > RANK[worst.route] || (r.route === worst.route && worst === TXN_CONTROL)) this.worst = r;
    return false;
  }

  result(): Classification {
    if (this.open && !this.readOnlyTxn) return OPEN_TXN;
    return this.worst ?? EMPTY;
  }
}
