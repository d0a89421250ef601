/** Benchmark results as Markdown: printed, and kept in docs/benchmarks.md between markers. */
import { readFile, writeFile } from 'node:fs/promises';
import type { MachineFacts } from './machine.js';
import type { QueryMode, RunResult, Script } from './pgbench.js';
import { median } from './rounds.js';

export type Target = 'sluice' | 'pgbouncer' | 'direct';

export interface RunRow {
  script: Script;
  mode: QueryMode;
  target: Target;
  clients: number;
  result: RunResult;
}

export interface MemoryRow {
  target: Exclude<Target, 'direct'>;
  /** RSS in KiB by number of idle clients connected; a string says why it is missing. */
  rss: Map<number, number | string>;
}

export function throughputTable(rows: RunRow[]): string {
  const lines = [
    '| script | mode | target | clients | tps | avg ms | p50 ms | p99 ms | tps vs PgBouncer |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const anchor = rows.find((r) => r.script === row.script && r.mode === row.mode && r.target === 'pgbouncer')?.result;
    const head = `| ${row.script} | ${row.mode} | ${row.target} | ${row.clients} |`;
    if (!row.result.ok) {
      lines.push(`${head} FAILED | | | | ${row.result.error.replaceAll('|', '\\|')} |`);
      continue;
    }
    const { tps, avgMs, p50Ms, p99Ms } = row.result;
    const ratio = anchor?.ok ? (tps / anchor.tps).toFixed(2) : '—';
    lines.push(`${head} ${tps.toFixed(0)} | ${avgMs.toFixed(2)} | ${p50Ms.toFixed(2)} | ${p99Ms.toFixed(2)} | ${ratio} |`);
  }
  return lines.join('\n');
}

/** One back-to-back run of each pooler on the target load. */
export interface PairRow { sluice: number; pgbouncer: number }

/** The target figure from paired runs: each pair's ratio and their median; nothing without pairs. */
export function pairLines(pairs: PairRow[]): string[] {
  if (pairs.length === 0) return [];
  const middle = median(pairs.map((p) => p.sluice / p.pgbouncer));
  return [
    `Target (Sluice ≥ 0.8× PgBouncer, select-only simple, 1000 clients), ${pairs.length} more back-to-back pairs: ` +
      `${pairs.map((p) => `${p.sluice.toFixed(0)}/${p.pgbouncer.toFixed(0)} tps = ${(p.sluice / p.pgbouncer).toFixed(2)}`).join('; ')}; **median ${middle.toFixed(2)}×**.`,
    '',
  ];
}

export function memoryTable(rows: MemoryRow[], counts: number[]): string {
  const lines = [
    `| target | ${counts.map((n) => `RSS, ${n.toLocaleString('en-US')} idle clients`).join(' | ')} |`,
    `| --- | ${counts.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of rows) {
    const cells = counts.map((n) => {
      const value = row.rss.get(n);
      return typeof value === 'number' ? `${(value / 1024).toFixed(1)} MiB` : `FAILED: ${value ?? 'not measured'}`;
    });
    lines.push(`| ${row.target} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function machineLines(m: MachineFacts): string {
  return [
    `- date: ${m.date}, commit ${m.commit}`,
    `- machine: ${m.cpus} CPUs (nproc), ${m.memoryGiB} GiB memory, Node ${m.node}, load average ${m.loadAverage.toFixed(2)} at start`,
    `- PostgreSQL ${m.postgres}, PgBouncer ${m.pgbouncer}, huge pages ${m.hugePages}`,
  ].join('\n');
}

/** Replaces what is between the section's markers (appending them if missing), leaving the rest of the page. */
export async function writeSection(file: string, body: string, name = 'pg'): Promise<void> {
  const START = `<!-- bench:${name}:start -->`;
  const END = `<!-- bench:${name}:end -->`;
  const page = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const section = `${START}\n${body.trim()}\n${END}`;
  const from = page.indexOf(START);
  const to = page.indexOf(END);
  const next = from >= 0 && to > from
    ? page.slice(0, from) + section + page.slice(to + END.length)
    : `${page.trimEnd()}\n\n${section}\n`;
  await writeFile(file, next);
}
