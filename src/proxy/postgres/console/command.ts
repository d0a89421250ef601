/**
 * Console command lines as PgBouncer reads them: one statement, case-insensitive words, an
 * optional trailing semicolon, and at most one argument (a database name, maybe quoted).
 */

export interface ConsoleCommand {
  /** Upper-cased verb: SHOW, PAUSE, RESUME, ... */
  verb: string;
  /** SHOW's subject, upper-cased (POOLS, STATS, ...); '' for other verbs. */
  subject: string;
  /** The argument as written (case kept, quotes removed), or null. */
  arg: string | null;
}

const WORD = String.raw`[A-Za-z_][A-Za-z0-9_]*`;
const ARG = String.raw`"(?:[^"]|"")+"|[^\s;"]+`;
const LINE = new RegExp(String.raw`^\s*(${WORD})(?:\s+(${ARG}))?(?:\s+(${ARG}))?\s*;?\s*$`);

/** null when the text is not one console command. */
export function parseCommand(text: string): ConsoleCommand | null {
  const m = LINE.exec(text);
  if (m === null) return null;
  const verb = m[1]!.toUpperCase();
  if (verb === 'SHOW') {
    if (m[2] === undefined || m[3] !== undefined) return null;
    return { verb, subject: m[2].toUpperCase(), arg: null };
  }
  if (m[3] !== undefined) return null;
  return { verb, subject: '', arg: m[2] === undefined ? null : unquote(m[2]) };
}

function unquote(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}
