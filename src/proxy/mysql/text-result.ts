/**
 * Reads the text-protocol result of one of Sluice's own queries (the probe's) from the data
 * packets server-connection's run() kept: the column count, the column definitions (protocol
 * 4.1; EOF packets are not data) and the rows. Only for small answers off the forwarding path.
 * Malformed input throws MysqlProtocolError from PayloadReader, never anything else.
 */
import { MysqlProtocolError } from '../../errors.js';
import { PayloadReader } from '../../wire/mysql/index.js';

const NULL_CELL = 0xfb;

/** The cells of one row, SQL NULL as null. */
export function rowCells(row: Buffer, columns: number): (string | null)[] {
  const r = new PayloadReader(row);
  const cells: (string | null)[] = [];
  for (let i = 0; i < columns; i++) {
    if (r.remaining > 0 && row[r.pos] === NULL_CELL) {
      r.skip(1);
      cells.push(null);
    } else {
      cells.push(r.lenencString());
    }
  }
  return cells;
}

/** Column name of a ColumnDefinition41: after catalog, schema, table and org_table. */
function columnName(def: Buffer): string {
  const r = new PayloadReader(def);
  for (let i = 0; i < 4; i++) r.lenencBytes();
  return r.lenencString();
}

/** The first row of a result by column name; null when the result has no row. */
export function firstRowByName(data: readonly Buffer[]): Map<string, string | null> | null {
  if (data.length === 0) throw new MysqlProtocolError('a result set without its column count');
  const columns = new PayloadReader(data[0]!).lenencInt();
  if (data.length < 1 + columns) throw new MysqlProtocolError(`a result set of ${columns} columns with ${data.length - 1} definitions`);
  const row = data[1 + columns];
  if (row === undefined) return null;
  const cells = rowCells(row, columns);
  const byName = new Map<string, string | null>();
  for (let i = 0; i < columns; i++) byName.set(columnName(data[1 + i]!), cells[i]!);
  return byName;
}
