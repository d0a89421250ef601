import fc from 'fast-check';
import t from 'tap';
import { MysqlProtocolError } from '../../src/errors.js';
import { lagOf, readOnlyOf } from '../../src/proxy/mysql/mysql-probe.js';
import { firstRowByName, rowCells } from '../../src/proxy/mysql/text-result.js';
import { PacketWriter } from '../../src/wire/mysql/index.js';

const row = (cells: (string | null)[]): Buffer => {
  const w = new PacketWriter();
  for (const c of cells) if (c === null) w.u8(0xfb); else w.lenencString(c);
  return Buffer.from(w.payload());
};
const columnDef = (name: string): Buffer => {
  const w = new PacketWriter().lenencString('def').lenencString('').lenencString('').lenencString('').lenencString(name).lenencString(name);
  return Buffer.from(w.u8(0x0c).zeros(12).payload());
};
const result = (names: string[], rows: (string | null)[][]): Buffer[] =>
  [Buffer.from(new PacketWriter().lenencInt(names.length).payload()), ...names.map(columnDef), ...rows.map(row)];

t.test('role from @@read_only and @@innodb_read_only', async (t) => {
  t.equal(readOnlyOf(row(['0', '0'])), false, 'both off: writable');
  t.equal(readOnlyOf(row(['1', '0'])), true, 'read_only');
  t.equal(readOnlyOf(row(['0', '1'])), true, 'innodb_read_only (Aurora readers)');
  t.equal(readOnlyOf(row(['OFF', 'ON'])), true, 'ON/OFF spellings');
  t.equal(readOnlyOf(row(['0', null])), false, 'a server without innodb_read_only');
  t.equal(readOnlyOf(null), null, 'no row: role unknown');
});

t.test('lag from SHOW REPLICA STATUS / SHOW SLAVE STATUS', async (t) => {
  const status = (name: string, value: string | null) => firstRowByName(result(['Slave_IO_State', name, 'Last_Error'], [['Waiting', value, '']]))!;
  t.equal(lagOf(status('Seconds_Behind_Master', '3')), 3, 'MariaDB and older MySQL');
  t.equal(lagOf(status('Seconds_Behind_Source', '0')), 0, 'MySQL 8.0.22 and later');
  t.equal(lagOf(status('Seconds_Behind_Master', null)), Infinity, 'NULL: replication stopped, lagging beyond any limit');
  t.equal(lagOf(status('Other', '1')), null, 'no lag column: unknown');
  t.equal(firstRowByName(result(['Seconds_Behind_Master'], [])), null, 'no row: not a replica');
});

t.test('property: any data packets give a row, null, or MysqlProtocolError', async (t) => {
  const packets = fc.array(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)), { maxLength: 6 });
  fc.assert(fc.property(packets, (data) => {
    try {
      const r = firstRowByName(data);
      return r === null || r instanceof Map;
    } catch (err) {
      return err instanceof MysqlProtocolError;
    }
  }), { numRuns: 3000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 5 }), (bytes, n) => {
    try {
      return rowCells(Buffer.from(bytes), n).length === n;
    } catch (err) {
      return err instanceof MysqlProtocolError;
    }
  }), { numRuns: 3000 });
  t.pass('6000 runs');
});

t.test('property: rows written are read back by name', async (t) => {
  const cell = fc.option(fc.string({ maxLength: 300 }), { nil: null });
  fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 8 }), fc.array(cell, { minLength: 8, maxLength: 8 }), (names, cells) => {
    const values = cells.slice(0, names.length);
    const byName = firstRowByName(result(names, [values]))!;
    return names.every((n, i) => byName.get(n) === values[i]);
  }), { numRuns: 500 });
  t.pass('500 runs');
});
