/**
 * What the first message of a PostgreSQL unit of work needs from routing: a write host (the
 * primary) or a read host (a replica may do). Runs once per transaction, never per message:
 * a simple Query or Parse is judged by its text, a Bind of a named statement by the text it
 * was prepared with; anything else (a Bind of the unnamed statement, a function call) goes to
 * the primary, since its statement is unknown here.
 */
import type { WorkNeed } from '../../router/host-choice.js';
import type { ReadWriteClassifier } from '../../router/read-write.js';
import type { SessionRoute } from '../../router/route-setting.js';
import { F } from '../../wire/postgres/constants.js';
import { cstringEnd } from '../../wire/postgres/fields.js';
import type { ClientStatement } from './prepared-statements.js';

/**
 * The end of the first message of pending input when it is whole in the returned buffer; -1
 * for a length the framer will refuse once leased. No copy unless the message spans chunks,
 * which only a client writing byte by byte or a very long first query causes.
 */
export function firstMessage(pending: readonly Buffer[]): { buf: Buffer; end: number } {
  let buf = pending[0]!;
  if (buf.length < 5 || buf.length < 1 + buf.readInt32BE(1)) buf = Buffer.concat(pending);
  const length = buf.length < 5 ? -1 : buf.readInt32BE(1);
  return { buf, end: length < 4 || 1 + length > buf.length ? -1 : 1 + length };
}

/** The SQL text the message at buf[0, end) runs, or null when it cannot be known from here. */
export function queryText(buf: Buffer, end: number, statements: ReadonlyMap<string, ClientStatement>): string | null {
  if (end < 0) return null;
  switch (buf[0]) {
    case F.Query:
      return buf.toString('utf8', 5, end - 1);
    case F.Parse: {
      const nameEnd = cstringEnd(buf, 5, end);
      return buf.toString('utf8', nameEnd + 1, cstringEnd(buf, nameEnd + 1, end));
    }
    case F.Bind: {
      const portalEnd = cstringEnd(buf, 5, end);
      const nameEnd = cstringEnd(buf, portalEnd + 1, end);
      if (nameEnd === portalEnd + 1) return null;
      const st = statements.get(buf.toString('utf8', portalEnd + 1, nameEnd));
      if (st === undefined) return null;
      const body = st.parseBody;
      return body.toString('utf8', 0, cstringEnd(body, 0, body.length));
    }
    default:
      return null;
  }
}

/**
 * The need of a unit of work under read_write_split: the session's `SET sluice.route` wins,
 * then the classifier (whose leading-comment override comes first); unsure is a write.
 */
export function needOf(text: string | null, route: SessionRoute, classifier: ReadWriteClassifier): WorkNeed {
  if (route === 'primary') return 'write';
  if (route === 'replica') return 'read';
  if (text === null) return 'write';
  return classifier.classify(text).route === 'read' ? 'read' : 'write';
}
