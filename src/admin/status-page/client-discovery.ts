/**
 * Browser code of the status page, part 4 of 5: the discovery table, one row per source from
 * GET /v1/discovery/status (last run, next scheduled run, latest changes). The section stays
 * hidden while the gateway has no `discovery:` section, and appears when a reload adds one.
 * Cells carry data-field names (the API's field names) so tests and scripts can read them back.
 */
export const CLIENT_DISCOVERY = String.raw`
const CHANGE_SIGNS = { added: '+', removed: '−', changed: '~' };

function formatSpan(ms) {
  if (ms < 1000) return Math.max(0, Math.round(ms)) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  return formatUptime(ms);
}

function runBadge(run) {
  if (run === null) return badge('status', 'never run', 'idle');
  if (run.status === 'succeeded') return badge('status', 'succeeded', 'ok');
  if (run.status === 'failed') return badge('status', 'failed', 'bad', run.error || '');
  const p = run.progress;
  const text = p ? 'running · ' + p.phase + (p.toProfile > 0 ? ' ' + p.profiled + '/' + p.toProfile : '') : 'running';
  return badge('status', text, 'warn');
}

// "dataset_added" counted 3 times reads "+3 datasets": the API's nouns, since a dataset may be a table, a collection or a key pattern.
function kindLabel(kind, n) {
  const [what, how] = kind.split('_');
  return CHANGE_SIGNS[how] + n + ' ' + what + (n === 1 ? '' : 's');
}

function changesCell(digest, now) {
  const td = cell('latestChanges', '', '');
  if (digest === null) {
    td.textContent = 'none yet';
    td.classList.add('muted');
    return td;
  }
  const head = document.createElement('div');
  head.dataset.run = String(digest.runId);
  head.textContent = Object.keys(digest.byKind).sort().map((k) => kindLabel(k, digest.byKind[k])).join('  ') +
    ' · run ' + digest.runId + ', ' + formatSpan(now - digest.at) + ' ago';
  const list = document.createElement('ul');
  list.className = 'changes';
  for (const c of digest.latest) {
    const li = document.createElement('li');
    li.dataset.kind = c.kind;
    li.textContent = CHANGE_SIGNS[c.kind.split('_')[1]] + ' ' + c.dataset + (c.field === null ? '' : '.' + c.field);
    list.append(li);
  }
  if (digest.total > digest.latest.length) {
    const more = document.createElement('li');
    more.className = 'muted';
    more.textContent = '… ' + (digest.total - digest.latest.length) + ' more (GET /v1/sources/{name}/changes)';
    list.append(more);
  }
  td.append(head, list);
  return td;
}

function renderDiscovery(section, tbody, status, now) {
  section.hidden = !status.enabled;
  if (!status.enabled) return;
  const rows = status.sources.map((s) => {
    const run = s.lastRun;
    const tr = document.createElement('tr');
    tr.dataset.source = s.source;
    if (run !== null) tr.dataset.runId = String(run.id);
    const end = run === null ? null : run.finishedAt === null ? now : run.finishedAt;
    const found = run === null ? null : run.status === 'running' && run.progress ? run.progress.datasets : run.datasets;
    tr.append(
      cell('source', s.source),
      runBadge(run),
      cell('startedAt', run === null ? '–' : clock(run.startedAt) + ' (' + formatSpan(now - run.startedAt) + ' ago)'),
      cell('duration', run === null ? '–' : formatSpan(end - run.startedAt), 'num'),
      cell('datasets', found === null ? '–' : found, 'num'),
      cell('nextRunAt', s.nextRunAt === null ? 'on demand' : 'in ' + formatSpan(s.nextRunAt - now)),
      cell('changesSinceDay', s.changesSinceDay, 'num'),
      changesCell(s.latestChanges, now),
    );
    return tr;
  });
  tbody.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(8, 'No source has discovery enabled')]));
}
`;
