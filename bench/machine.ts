/** What a benchmark table must say about where it ran, so two tables can be compared. */
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { runCommand } from './proc.js';
import { pgbouncerVersion } from './pgbouncer.js';

export interface MachineFacts {
  date: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  pgbouncer: string;
  /** e.g. "off (HugePages_Total 0, huge_pages=try)" */
  hugePages: string;
  commit: string;
  /** 1-minute load average when the run began: anything else running skews the figures. */
  loadAverage: number;
}

export async function machineFacts(): Promise<MachineFacts> {
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect();
  let postgres = '';
  let hugeSetting = '';
  try {
    postgres = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '';
    hugeSetting = (await admin.query<{ huge_pages: string }>('SHOW huge_pages')).rows[0]?.huge_pages ?? '';
  } finally {
    await admin.end();
  }
  const meminfo = await readFile('/proc/meminfo', 'utf8');
  const hugeTotal = Number(/^HugePages_Total:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  // With huge_pages=try PostgreSQL silently falls back to normal pages when none are reserved.
  const hugeOn = hugeSetting === 'on' || (hugeSetting === 'try' && hugeTotal > 0);
  const commit = await runCommand('git', ['rev-parse', '--short', 'HEAD']);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: postgres.split(' ')[0] ?? postgres,
    pgbouncer: await pgbouncerVersion(),
    hugePages: `${hugeOn ? 'on' : 'off'} (HugePages_Total ${hugeTotal}, huge_pages=${hugeSetting})`,
    commit: commit.code === 0 ? commit.stdout.trim() : 'unknown',
    loadAverage: loadavg()[0] ?? NaN,
  };
}
