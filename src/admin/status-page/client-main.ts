/**
 * Browser code of the status page, part 5 of 5: polls the JSON API, keeps the history the
 * charts draw from, and asks for a token when the API answers 401.
 */
export const CLIENT_MAIN = String.raw`
const POLL_MS = 1000;
const KEEP_MS = 10 * 60000;
const $ = (id) => document.getElementById(id);

const state = { samples: [], lastAt: 0, startedAt: 0, clockOffset: 0, version: null, paused: false };

const throughput = new LineChart($('chart-tps'), $('legend-tps'), (v) => v >= 1000 ? (v / 1000).toFixed(1) + 'k' : String(Math.round(v * 10) / 10));
const latency = new LineChart($('chart-latency'), $('legend-latency'), (v) => (Math.round(v * 100) / 100) + ' ms');

function setStatus(kind, text) {
  const s = $('status');
  s.className = 'status ' + kind;
  s.textContent = text;
}

function formatUptime(ms) {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return (d > 0 ? d + 'd ' : '') + (d > 0 || h > 0 ? h + 'h ' : '') + m + 'm ' + s + 's';
}

function serverNow() { return Date.now() + state.clockOffset; }

function tickUptime() {
  if (state.startedAt > 0) $('uptime').textContent = 'up ' + formatUptime(serverNow() - state.startedAt);
}

function mergeHistory(h) {
  // A different start means the gateway restarted: its old samples no longer line up.
  if (h.startedAt !== state.startedAt) { state.samples = []; state.lastAt = 0; }
  state.startedAt = h.startedAt;
  state.clockOffset = h.now - Date.now();
  for (const s of h.samples) if (s.at > state.lastAt) state.samples.push(s);
  if (state.samples.length > 0) state.lastAt = state.samples[state.samples.length - 1].at;
  const oldest = h.now - KEEP_MS;
  while (state.samples.length > 0 && state.samples[0].at < oldest) state.samples.shift();
}

function updateSourceChoice() {
  const select = $('source');
  const names = new Set();
  for (const s of state.samples) for (const src of s.sources) names.add(src.source);
  const have = new Set(Array.from(select.options, (o) => o.value));
  for (const n of Array.from(names).sort()) {
    if (!have.has(n)) select.append(new Option(n, n));
  }
}

// Sums over the chosen sources; averages are weighted by how many things they average over.
// No transaction in an interval is a gap in the chart; no lease that queued is a wait of zero.
function point(sample, source) {
  let tps = 0, qps = 0, xTime = 0, xWeight = 0, wTime = 0, wWeight = 0;
  for (const s of sample.sources) {
    if (source !== '' && s.source !== source) continue;
    tps += s.tps; qps += s.qps;
    if (s.avgTransactionTimeUs !== null) { xTime += s.avgTransactionTimeUs * s.tps; xWeight += s.tps; }
    if (s.avgWaitTimeUs !== null) { wTime += s.avgWaitTimeUs * s.waitsPerSec; wWeight += s.waitsPerSec; }
  }
  return {
    tps: tps, qps: qps,
    xactMs: xWeight > 0 ? xTime / xWeight / 1000 : null,
    waitMs: wWeight > 0 ? wTime / wWeight / 1000 : 0,
  };
}

function drawCharts() {
  const source = $('source').value;
  const to = serverNow();
  // While the gateway is younger than the window, span only its life (at least a minute) so the lines are not squeezed to the edge.
  const from = Math.max(to - Number($('window').value), Math.min(state.startedAt, to - 60000));
  const pts = state.samples.map((s) => [s.at, point(s, source)]);
  const series = (label, color, key, dashed) => ({ label: label, color: color, dashed: dashed, points: pts.map(([t, p]) => [t, p[key]]) });
  throughput.draw([series('transactions/s', '#2563eb', 'tps', false), series('queries/s', '#94a3b8', 'qps', true)], from, to);
  latency.draw([series('avg transaction', '#059669', 'xactMs', false), series('avg wait when queued', '#d97706', 'waitMs', true)], from, to);
}

function askForToken(err) {
  state.paused = true;
  let message = 'This admin port needs a token to read pools and statistics.';
  if (err.status === 403) message = 'This token may not read pools and statistics (its role is too low).';
  else if (token) {
    // Unknown to the server (revoked, mistyped): keeping it would only fail again.
    setToken(null);
    message = 'The admin port did not accept that token.';
  }
  $('token-message').textContent = message;
  $('token-form').hidden = false;
  $('token-input').focus();
  setStatus('bad', 'token needed');
}

async function refresh() {
  if (state.paused) return;
  try {
    const [pools, stats, hosts, history, discovery] = await Promise.all([
      api('/v1/pools'), api('/v1/stats'), api('/v1/hosts'), api('/v1/stats/history?since=' + state.lastAt), api('/v1/discovery/status'),
    ]);
    if (state.version === null) {
      state.version = await api('/v1/version');
      $('version').textContent = state.version.name + ' ' + state.version.version + ' · Node ' + state.version.node;
    }
    renderPools($('pools'), pools, stats);
    renderHosts($('hosts'), hosts);
    mergeHistory(history);
    renderDiscovery($('discovery-section'), $('discovery'), discovery, history.now);
    updateSourceChoice();
    drawCharts();
    tickUptime();
    setStatus('ok', 'live · ' + clock(serverNow()));
  } catch (err) {
    if (err instanceof AuthError) askForToken(err);
    else setStatus('bad', 'no answer: ' + err.message);
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, POLL_MS);
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('token-input').value.trim());
  $('token-input').value = '';
  $('token-form').hidden = true;
  state.paused = false;
  refresh();
});
$('source').addEventListener('change', drawCharts);
$('window').addEventListener('change', drawCharts);
window.addEventListener('resize', drawCharts);
setInterval(tickUptime, 1000);

takeTokenFromFragment();
loop();
`;
