/**
 * Cost of the read/write classifier per query (issue 4 item 4), and of one host choice, in
 * nanoseconds. Pure CPU: no server needed. A plain charCodeAt pass over the same text is
 * printed beside each figure, so runs on busy or slow machines can still be compared. A second
 * table measures the two candidate SQL parsers (libpg-query, pgsql-ast-parser) on the texts the
 * lexical path calls unsure, with the lexical path's own cost beside them.
 * Run: npx tsc -p tsconfig.bench.json && node dist-bench/bench/route-classify.js
 */
import { parseSync } from 'libpg-query';
import { parse as astParse } from 'pgsql-ast-parser';
import { FunctionVolatility } from '../src/router/function-volatility.js';
import { HostChooser, type HostCandidate } from '../src/router/host-choice.js';
import { ReadWriteClassifier } from '../src/router/read-write.js';
import { routingOptions } from '../src/router/routing-options.js';
import { loadSqlParser } from '../src/router/sql-parser.js';

const QUERIES: [string, string][] = [
  ['point select', 'SELECT id, name, email FROM users WHERE id = $1'],
  ['pgbench select', 'SELECT abalance FROM pgbench_accounts WHERE aid = 48213;'],
  ['select for update', 'SELECT * FROM orders WHERE id = $1 FOR UPDATE'],
  ['insert', 'INSERT INTO events (kind, payload, created_at) VALUES ($1, $2, now())'],
  ['begin read only', 'BEGIN READ ONLY'],
  ['join + aggregates', "SELECT u.id, count(o.id), sum(o.total)::numeric(12,2) FROM users u JOIN orders o ON o.user_id = u.id WHERE o.created_at > now() - interval '7 days' AND u.status = 'active' GROUP BY u.id ORDER BY 2 DESC LIMIT 20"],
  ['CTE with comment', "/* app=web,route=/orders */ WITH recent AS (SELECT * FROM orders WHERE created_at > $1) SELECT r.id, jsonb_build_object('total', r.total) FROM recent r"],
  ['override comment', '/* sluice:replica */ SELECT report_rollup($1)'],
];

const ROUNDS = 5;
const ITERATIONS = 200_000;

function nsPer(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  return best;
}

const classifier = new ReadWriteClassifier({ parseUnsure: false });
/** With the parser deciding unsure texts, the user functions below known STABLE: what an unsure query costs end to end. */
const volatility = new FunctionVolatility();
volatility.replace(['report_rollup', 'invoice_total', 'score', 'price_with_tax'].map((name) => ({ schema: name === 'invoice_total' ? 'billing' : 'app', name, nonVolatile: true })), 0);
const parsing = new ReadWriteClassifier({ volatility });
let sink = 0;
const rows: string[][] = [];
for (const [name, sql] of QUERIES) {
  const c = classifier.classify(sql);
  const ns = nsPer(() => { sink += classifier.classify(sql).route.length; }, ITERATIONS);
  const scan = nsPer(() => {
    let sum = 0;
    for (let i = 0; i < sql.length; i++) sum += sql.charCodeAt(i);
    sink += sum & 1;
  }, ITERATIONS);
  rows.push([name, String(sql.length), `${c.route} (${c.reason})`, ns.toFixed(0), scan.toFixed(0)]);
}

const hosts: HostCandidate<string>[] = Array.from({ length: 6 }, (_, i) => ({
  host: `h${i}`,
  zone: i < 3 ? 'aws:us-east-1a' : 'onprem:dc1',
  weight: 1,
  spare: 4,
  health: { state: 'healthy', role: i === 0 ? 'primary' : 'replica', latencyEwma: 1 + i, inFlight: i % 3, lagSeconds: 0 },
}));
const chooser = new HostChooser(routingOptions({ prefer_zones: ['aws:us-east-1a', 'onprem:'] }));
const chooseNs = nsPer(() => { const r = chooser.choose(hosts, 'read'); sink += r.ok ? 1 : 0; }, ITERATIONS);
rows.push(['host choice (6 hosts, 2 tiers)', '-', 'read', chooseNs.toFixed(0), '-']);

printTable(['statement', 'chars', 'class', 'ns/op (best of 5)', 'plain scan ns'], rows, 3);

/** Texts the lexical path cannot settle: calls of functions it does not know. */
const UNSURE: [string, string][] = [
  ['user function', 'SELECT report_rollup($1)'],
  ['qualified function', 'SELECT id, billing.invoice_total(id) FROM invoices WHERE customer_id = $1'],
  ['join + user function', "SELECT u.id, app.score(u.id, o.total) FROM users u JOIN orders o ON o.user_id = u.id WHERE o.created_at > now() - interval '7 days' ORDER BY 2 DESC LIMIT 20"],
  ['CTE + user function', 'WITH r AS (SELECT * FROM orders WHERE created_at > $1) SELECT r.id, price_with_tax(r.total) FROM r'],
];
// The parsers run in microseconds to milliseconds, not nanoseconds: fewer calls keep the run short.
const PARSE_ITERATIONS = 300;
if (!(await loadSqlParser())) throw new Error('libpg-query failed to load');
const parserRows: string[][] = [];
for (const [name, sql] of UNSURE) {
  const c = classifier.classify(sql);
  const lexical = nsPer(() => { sink += classifier.classify(sql).route.length; }, ITERATIONS);
  const libpg = nsPer(() => { sink += parseSync(sql).stmts?.length ?? 0; }, PARSE_ITERATIONS);
  const ast = nsPer(() => { sink += astParse(sql).length; }, PARSE_ITERATIONS);
  const both = nsPer(() => { sink += parsing.classify(sql).route.length; }, PARSE_ITERATIONS);
  const p = parsing.classify(sql);
  parserRows.push([name, String(sql.length), `${c.route} (${c.reason})`, `${p.route} (${p.reason})`, lexical.toFixed(0), libpg.toFixed(0), ast.toFixed(0), both.toFixed(0)]);
}
console.log();
printTable(['unsure text', 'chars', 'lexical class', 'tree class', 'lexical ns', 'libpg-query ns', 'pgsql-ast-parser ns', 'lexical+tree ns'], parserRows, 4);

function printTable(header: string[], body: string[][], firstNumber: number): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= firstNumber ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  for (const r of body) console.log(line(r));
}
// Printing the sink keeps the measured calls from being optimised away.
console.log(`node ${process.version}; ${ITERATIONS} iterations per round; checksum ${sink % 997}`);
