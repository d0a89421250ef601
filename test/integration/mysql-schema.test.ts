/**
 * A client that named no schema never sees the schema another client left its server
 * connection in (COM_RESET_CONNECTION keeps the schema on MariaDB; Sluice leaves it with
 * COM_CHANGE_USER), and the other client still finds its own schema afterwards.
 */
import t from 'tap';
import mysql from 'mysql2/promise';
import { ensureMysqlFixtures, MYSQL_DB, MYSQL_PASSWORD, MYSQL_USER, startMysqlSluice } from '../helpers/mysql-sluice.js';

t.test('a client without a schema on a connection another client left in one', async (t) => {
  await ensureMysqlFixtures();
  // One server connection, so both clients are served by the same one; the source names no schema.
  const sluice = await startMysqlSluice({ size: 1, database: '' });
  t.teardown(() => sluice.stop());
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port: sluice.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: 'app' });
  const a = await connect();
  const b = await connect();
  t.teardown(async () => { await a.end(); await b.end(); });
  const database = async (c: mysql.Connection): Promise<string | null> => {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS db, CONNECTION_ID() AS id');
    return rows[0]!.db as string | null;
  };

  t.equal(await database(b), null, 'B starts without a schema');
  await a.query(`USE ${MYSQL_DB}`);
  t.equal(await database(a), MYSQL_DB, 'A is in its schema');
  t.equal(await database(b), null, 'B still sees no schema on the connection A left in one');
  t.equal(await database(a), MYSQL_DB, 'A is put back in its schema');
  await b.query('SET @@session.sql_mode = \'ANSI\'');
  t.equal(await database(b), null, 'B, with session variables, still has no schema');
  const [mode] = await b.query<mysql.RowDataPacket[]>('SELECT @@session.sql_mode AS m');
  t.match(String(mode[0]!.m), /ANSI/, 'B keeps its session variables after the schema was left');
  await a.query('SET @@session.sql_mode = \'TRADITIONAL\'');
  t.equal(await database(b), null, 'B once more after A');
  const [mode2] = await b.query<mysql.RowDataPacket[]>('SELECT @@session.sql_mode AS m');
  t.match(String(mode2[0]!.m), /ANSI/, 'B\'s variables replayed after A\'s');
});
