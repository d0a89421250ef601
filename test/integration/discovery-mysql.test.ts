import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { DiscoveryService } from '../../src/discovery/service.js';

const DB = `sluice_discovery_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-mysql-'));

async function sql(statements: string): Promise<void> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
  try {
    await c.query(statements);
  } finally {
    await c.end();
  }
}

const SEED = `
CREATE DATABASE ${DB};
USE ${DB};
CREATE TABLE customers (
  id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY COMMENT 'surrogate key',
  email VARCHAR(200) NOT NULL, first_name VARCHAR(50), ssn CHAR(11),
  status VARCHAR(10) NOT NULL DEFAULT 'active',
  UNIQUE KEY customers_email (email)
) ENGINE=InnoDB COMMENT='People who buy';
CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT UNSIGNED NOT NULL, total DECIMAL(10,2),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE tickets (id INT PRIMARY KEY, customer_id INT UNSIGNED, KEY tickets_customer (customer_id)) ENGINE=InnoDB;
CREATE TABLE metrics (id INT NOT NULL, at DATE NOT NULL, value DOUBLE, PRIMARY KEY (id, at))
  PARTITION BY RANGE (YEAR(at)) (PARTITION p2025 VALUES LESS THAN (2026), PARTITION p2026 VALUES LESS THAN (2027));
CREATE VIEW active_customers AS SELECT id, email FROM customers WHERE status = 'active';
INSERT INTO customers (email, first_name, ssn) VALUES
  ('ann@example.com', 'Ann', '123-45-6789'), ('bob@example.org', 'Bob', '219-09-9999'), ('cy@example.net', 'Cy', '078-05-1120'),
  ('dee@example.com', 'Dee', '536-22-1234'), ('eve@example.com', 'Eve', '401-33-5678'), ('fay@example.com', 'Fay', '287-65-4321');
INSERT INTO orders (customer_id, total) VALUES (1, 10.5), (2, 20), (3, 7.25), (1, 99.99), (4, 1), (5, 2);
INSERT INTO tickets VALUES (1, 1), (2, 2), (3, 3), (4, 6), (5, 5);
ANALYZE TABLE customers, orders, tickets;
`;

const yaml = `
sources:
  crm:
    kind: mysql
    database: ${DB}
    hosts: [{ host: 127.0.0.1, port: 3306 }]
    users: [{ name: root, password: "" }]
discovery:
  catalog: ${join(dir, 'catalog.db')}
`;

t.before(() => sql(`DROP DATABASE IF EXISTS ${DB}; ${SEED}`));
t.teardown(async () => {
  await sql(`DROP DATABASE IF EXISTS ${DB}`);
  rmSync(dir, { recursive: true, force: true });
});

t.test('MariaDB: tables, keys, partitions, classifications, inferred keys and a change', async (t) => {
  const config = await parseConfig(yaml, 'test');
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }) });
  t.teardown(() => service.close());

  const first = await service.trigger('crm');
  await service.settled('crm');
  t.equal((await service.run(first))!.status, 'succeeded', (await service.run(first))!.error ?? '');
  const byId = new Map((await service.catalog.current('crm')).map((d) => [d.name, d]));
  const customers = byId.get('customers')!;
  t.equal(customers.schema, DB);
  t.equal(customers.comment, 'People who buy');
  t.strictSame(customers.primaryKey, ['id']);
  t.strictSame(customers.uniqueKeys, [['email']]);
  t.match(customers.fields.find((f) => f.name === 'id'), { type: 'int(10) unsigned', nullable: false, comment: 'surrogate key' });
  t.match(customers.fields.find((f) => f.name === 'status'), { default: /active/ });
  t.ok(customers.indexes.some((i) => i.primary && i.name === 'PRIMARY'));
  t.strictSame(byId.get('orders')!.foreignKeys, [{ name: 'orders_customer', columns: ['customer_id'], refDataset: `${DB}.customers`, refColumns: ['id'] }]);
  t.strictSame(byId.get('metrics')!.partitions, [`${DB}.metrics#p2025`, `${DB}.metrics#p2026`]);
  t.equal(byId.get('active_customers')!.kind, 'view');

  const types = async (table: string, field: string) => (await service.catalog.analysis('crm', `${DB}.${table}`))?.fields[field]?.classifications.map((c) => c.type) ?? [];
  t.ok((await types('customers', 'email')).includes('email'));
  t.ok((await types('customers', 'ssn')).includes('us_ssn'));
  t.ok((await types('customers', 'first_name')).includes('person_name'));
  const inferred = (await service.catalog.relationships('crm')).find((r) => !r.declared && r.from.dataset === `${DB}.tickets`);
  t.match(inferred, { to: { dataset: `${DB}.customers`, columns: ['id'] } });
  t.ok(inferred!.confidence >= 0.9);

  await sql(`USE ${DB}; ALTER TABLE customers ADD COLUMN phone VARCHAR(30) NULL; ALTER TABLE orders MODIFY total DECIMAL(12,2);`);
  const second = await service.trigger('crm');
  await service.settled('crm');
  t.equal((await service.run(second))!.status, 'succeeded');
  const changes = (await service.catalog.changes('crm', 0, 100)).filter((c) => c.runId === second);
  t.ok(changes.some((c) => c.kind === 'field_added' && c.dataset === `${DB}.customers` && c.field === 'phone'));
  t.match(changes.find((c) => c.kind === 'field_changed' && c.field === 'total'), { before: { type: 'decimal(10,2)' }, after: { type: 'decimal(12,2)' } });
  t.equal((await service.run(second))!.profiled, 2, 'only the two changed tables are profiled again');
});
