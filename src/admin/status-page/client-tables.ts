/**
 * Browser code of the status page, part 3 of 5: the pools and hosts tables, PostgreSQL and
 * Redis sources alike (a Redis pool's queries are its commands). Cells carry data-field names
 * (the API's field names) so tests and scripts can read them back.
 */
export const CLIENT_TABLES = String.raw`
function formatWait(us) {
  if (us <= 0) return '0';
  return us < 1000000 ? (us / 1000).toFixed(1) + ' ms' : (us / 1000000).toFixed(1) + ' s';
}

function cell(field, text, cls) {
  const td = document.createElement('td');
  td.dataset.field = field;
  td.textContent = String(text);
  if (cls) td.className = cls;
  return td;
}

function badge(field, text, kind, title) {
  const td = cell(field, '', '');
  const span = document.createElement('span');
  span.className = 'badge ' + kind;
  span.textContent = text;
  if (title) span.title = title;
  td.append(span);
  return td;
}

function emptyRow(columns, text) {
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.colSpan = columns;
  td.className = 'empty';
  td.textContent = text;
  tr.append(td);
  return tr;
}

// Pools joined with their totals from /v1/stats on (source, user).
function renderPools(tbody, pools, stats) {
  const totals = new Map(stats.map((s) => [s.source + '\u0000' + s.user, s]));
  const rows = pools.map((p) => {
    const s = totals.get(p.source + '\u0000' + p.user);
    const tr = document.createElement('tr');
    tr.dataset.source = p.source;
    tr.dataset.user = p.user;
    tr.dataset.protocol = p.protocol || 'postgres';
    tr.append(
      cell('source', p.source), cell('protocol', tr.dataset.protocol), cell('user', p.user), cell('mode', p.mode),
      cell('clActive', p.clActive, 'num'),
      cell('clWaiting', p.clWaiting, p.clWaiting > 0 ? 'num warn' : 'num'),
      cell('svActive', p.svActive, 'num'), cell('svIdle', p.svIdle, 'num'), cell('svUsed', p.svUsed, 'num'),
      cell('size', p.size, 'num'),
      cell('maxWaitUs', formatWait(p.maxWaitUs), p.maxWaitUs > 0 ? 'num warn' : 'num'),
      cell('transactions', s ? s.transactions : 0, 'num'),
      cell('queries', s ? s.queries : 0, 'num'),
      p.paused ? badge('paused', 'paused', 'warn') : cell('paused', ''),
    );
    return tr;
  });
  tbody.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(14, 'No pools yet')]));
}

function renderHosts(tbody, hosts) {
  const rows = hosts.map((h) => {
    const tr = document.createElement('tr');
    tr.dataset.source = h.source;
    tr.dataset.host = h.key;
    tr.dataset.protocol = h.protocol || 'postgres';
    const state = h.up === true ? badge('up', 'up', 'ok') : h.up === false ? badge('up', 'down', 'bad', h.lastError || '') : badge('up', 'not tried', 'idle');
    tr.append(
      cell('source', h.source), cell('protocol', tr.dataset.protocol), cell('key', h.key), cell('role', h.role), cell('zone', h.zone || '–'),
      state,
      healthBadge(h.health),
      cell('observedRole', h.health ? h.health.observedRole : 'unknown'),
      h.disabled ? badge('disabled', 'disabled', 'warn') : cell('disabled', 'no'),
      cell('connections', h.connections, 'num'),
    );
    return tr;
  });
  tbody.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(10, 'No hosts')]));
}

// The tracker's state (probes and traffic), with its latency and error rate on hover.
function healthBadge(health) {
  if (!health) return cell('health', '–');
  const kind = health.state === 'healthy' ? 'ok' : health.state === 'degraded' || health.state === 'draining' ? 'warn' : 'bad';
  const title = 'latency ' + health.latencyEwmaMs.toFixed(2) + ' ms, errors ' + (health.errorRate * 100).toFixed(1) + '%';
  return badge('health', health.state, kind, title);
}
`;
