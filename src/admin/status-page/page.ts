/**
 * The status page served on GET / of the admin port: one HTML document with its stylesheet and
 * script inline, and a Content-Security-Policy that allows exactly those two (by hash) and
 * requests to this origin, so the page can load nothing from anywhere else.
 */
import { createHash } from 'node:crypto';
import { CLIENT_API } from './client-api.js';
import { CLIENT_CHART } from './client-chart.js';
import { CLIENT_DISCOVERY } from './client-discovery.js';
import { CLIENT_MAIN } from './client-main.js';
import { CLIENT_TABLES } from './client-tables.js';
import { STYLE } from './style.js';

// The parts share one function scope: api and chart helpers first, the code that uses them last.
const SCRIPT = `(() => {\n'use strict';\n${CLIENT_API}${CLIENT_CHART}${CLIENT_TABLES}${CLIENT_DISCOVERY}${CLIENT_MAIN}})();\n`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  // The favicon is an empty data: URL so the browser does not ask for /favicon.ico.
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sluice status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Sluice</h1>
  <span class="meta" id="version"></span>
  <span class="meta" id="uptime"></span>
  <span class="status wait" id="status">connecting</span>
</header>
<main>
  <form class="token" id="token-form" hidden>
    <span id="token-message"></span>
    <input id="token-input" type="password" autocomplete="off" placeholder="Bearer token" aria-label="Admin token">
    <button type="submit">Use token</button>
  </form>
  <div class="controls">
    <label>Source <select id="source"><option value="">all sources</option></select></label>
    <label>Last <select id="window">
      <option value="60000">1 minute</option>
      <option value="300000" selected>5 minutes</option>
      <option value="600000">10 minutes</option>
    </select></label>
  </div>
  <section class="charts">
    <div>
      <h2>Throughput</h2>
      <canvas id="chart-tps" aria-label="Transactions and queries per second"></canvas>
      <div class="legend" id="legend-tps"></div>
    </div>
    <div>
      <h2>Latency</h2>
      <canvas id="chart-latency" aria-label="Average transaction time and wait time in milliseconds"></canvas>
      <div class="legend" id="legend-latency"></div>
    </div>
  </section>
  <section>
    <h2>Pools</h2>
    <table id="pools-table">
      <thead>
        <tr><th colspan="4"></th><th class="group" colspan="2">clients</th><th class="group" colspan="4">servers</th><th colspan="4"></th></tr>
        <tr><th>source</th><th>protocol</th><th>user</th><th>mode</th><th class="num">active</th><th class="num">waiting</th>
          <th class="num">active</th><th class="num">idle</th><th class="num">used</th><th class="num">size</th>
          <th class="num">max wait</th><th class="num">transactions</th><th class="num">queries</th><th></th></tr>
      </thead>
      <tbody id="pools"></tbody>
    </table>
  </section>
  <section>
    <h2>Hosts</h2>
    <table id="hosts-table">
      <thead><tr><th>source</th><th>protocol</th><th>host</th><th>role</th><th>zone</th><th>state</th><th>health</th><th>reports</th><th>disabled</th><th class="num">connections</th></tr></thead>
      <tbody id="hosts"></tbody>
    </table>
  </section>
  <section id="discovery-section" hidden>
    <h2>Discovery</h2>
    <table id="discovery-table">
      <thead>
        <tr><th></th><th class="group" colspan="4">last run</th><th colspan="3"></th></tr>
        <tr><th>source</th><th>status</th><th>started</th><th class="num">duration</th><th class="num">datasets</th>
          <th>next run</th><th class="num">changes, 24 h</th><th>latest changes</th></tr>
      </thead>
      <tbody id="discovery"></tbody>
    </table>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
