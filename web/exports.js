// exports.js: an organization's batch exports through the PostHog-compatible
// /api/organizations/{org_id}/batch_exports/: list, create (NoOp, File, HTTP or Postgres destination), pause/unpause,
// delete, backfill a time range, and each export's runs with a chart of the records each run moved.
import { request } from './api.js';
import { h, field, select, message, table } from './ui.js';
import { drawChart } from './charts.js';
import { unavailable } from './organizations.js';

const state = { org: '', selected: '' };
const DEST_FIELDS = {
  NoOp: [],
  File: [['path', 'Directory', '/var/lib/orgpulse/exports'], ['file_format', 'Format', ['JSONLines', 'CSV']], ['compression', 'Compression', ['none', 'zstd']]],
  HTTP: [['url', 'URL', 'https://'], ['token', 'Token', '']],
  Postgres: [['host', 'Host', '127.0.0.1'], ['port', 'Port', '5432'], ['database', 'Database', ''], ['schema', 'Schema', 'public'],
    ['table_name', 'Table', 'orgpulse_events'], ['user', 'User', ''], ['password', 'Password', '']],
};
const isoOf = local => (local ? new Date(local + 'Z').toISOString() : '');
const base = org => `/api/organizations/${encodeURIComponent(org)}/batch_exports/`;

export async function render(main) {
  const errors = h('div', { class: 'errors' });
  const notice = h('div', { 'aria-live': 'polite' });
  main.append(notice, errors);
  let orgs;
  try {
    orgs = (await request('/api/organizations/', { query: { limit: 1000 } })).results;
  } catch (e) { message(errors, unavailable(e)); return; }
  if (!orgs.length) { main.append(h('p', { class: 'muted' }, 'No organizations yet: create one on the Organizations page.')); return; }
  if (!orgs.some(o => o.id === state.org)) state.org = orgs[0].id;
  const org = select('org', orgs.map(o => [o.id, o.name]), state.org);

  // ---- create ----
  const name = h('input', { name: 'name', required: true, placeholder: 'nightly events' });
  const model = select('model', ['events', 'persons', 'usage'], 'events');
  const interval = select('interval', ['hour', 'day', 'week', 'every 5 minutes'], 'day');
  const destType = select('destination', Object.keys(DEST_FIELDS), 'NoOp');
  const destBox = h('div', { class: 'form' });
  function destFields() {
    destBox.replaceChildren(...DEST_FIELDS[destType.value].map(([k, label, v]) => field(label,
      Array.isArray(v) ? select(k, v, v[0]) : h('input', { name: k, value: v, type: k === 'password' || k === 'token' ? 'password' : 'text' }))));
  }
  destType.addEventListener('change', destFields);
  destFields();
  const create = h('form', { class: 'form', id: 'export-create', onsubmit: async ev => {
    ev.preventDefault();
    const config = {};
    for (const c of destBox.querySelectorAll('input, select')) config[c.name] = c.name === 'port' ? Number(c.value) : c.value;
    try {
      const x = await request(base(org.value), { method: 'POST', body: { name: name.value, model: model.value,
        interval: interval.value, destination: { type: destType.value, config } } });
      message(notice, `Created export ${x.name}.`, 'ok');
      state.selected = x.id;
      name.value = '';
      await load();
    } catch (e) { message(errors, unavailable(e)); }
  } }, field('Name', name), field('Model', model), field('Interval', interval), field('Destination', destType), destBox,
  h('button', { type: 'submit' }, 'Create export'));

  const list = h('div', { id: 'export-list' });
  const runsTitle = h('h2', { id: 'h-runs' }, 'Runs');
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Records exported per run chart' });
  const runsSummary = h('p', { class: 'summary', id: 'runs-summary' });
  const runsBox = h('div', { id: 'runs' });
  const bStart = h('input', { type: 'datetime-local', name: 'start_at', step: 1 });
  const bEnd = h('input', { type: 'datetime-local', name: 'end_at', step: 1 });
  const backfill = h('form', { class: 'form', id: 'backfill', onsubmit: async ev => {
    ev.preventDefault();
    if (!state.selected) return message(errors, 'Choose an export first.');
    try {
      const r = await request(`${base(org.value)}${encodeURIComponent(state.selected)}/backfills/`,
        { method: 'POST', body: { start_at: isoOf(bStart.value), end_at: isoOf(bEnd.value) } });
      message(notice, `Backfill ${r.backfill_id} started.`, 'ok');
      await loadRuns();
    } catch (e) { message(errors, unavailable(e)); }
  } }, field('Backfill from (UTC)', bStart), field('to (UTC)', bEnd), h('button', { type: 'submit' }, 'Backfill'));

  org.addEventListener('change', () => { state.org = org.value; state.selected = ''; load(); });
  main.append(h('div', { class: 'controls' }, field('Organization', org)),
    h('section', { class: 'card', 'aria-labelledby': 'h-new' }, h('h2', { id: 'h-new' }, 'New export'), create),
    h('section', { class: 'card', 'aria-labelledby': 'h-exports' }, h('h2', { id: 'h-exports' }, 'Exports'), list),
    h('section', { class: 'card', 'aria-labelledby': 'h-runs' }, runsTitle, backfill,
      h('div', { class: 'chart-box' }, canvas), runsSummary, runsBox));

  async function act(x, path, body, done) {
    try {
      await request(`${base(org.value)}${encodeURIComponent(x.id)}/${path}`, { method: path ? 'POST' : 'DELETE', body });
      message(notice, done, 'ok');
      await load();
    } catch (e) { message(errors, unavailable(e)); }
  }

  async function load() {
    main.dataset.ready = '';
    errors.replaceChildren();
    try {
      const r = await request(base(org.value), { query: { limit: 100 } });
      const rows = r.results || [];
      if (!rows.some(x => x.id === state.selected)) state.selected = rows[0] ? rows[0].id : '';
      list.replaceChildren(rows.length ? table([
        { label: 'Name', value: x => x.name },
        { label: 'Model', value: x => x.model },
        { label: 'Interval', value: x => x.interval },
        { label: 'Destination', value: x => x.destination && x.destination.type },
        { label: 'State', value: x => (x.paused ? 'paused' : 'active') },
        { label: 'Actions', value: () => '', render: x => h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(x.id === state.selected),
            onclick: () => { state.selected = x.id; loadRuns(); } }, 'Runs'),
          h('button', { type: 'button', class: 'secondary', onclick: () => act(x, x.paused ? 'unpause/' : 'pause/', {},
            `${x.paused ? 'Resumed' : 'Paused'} ${x.name}.`) }, x.paused ? 'Unpause' : 'Pause'),
          h('button', { type: 'button', class: 'danger', onclick: () => act(x, '', undefined, `Deleted ${x.name}.`) }, 'Delete')) },
      ], rows) : h('p', { class: 'muted' }, 'No exports for this organization yet.'));
      await loadRuns();
    } catch (e) {
      message(errors, unavailable(e));
    }
    main.dataset.ready = 'yes';
  }

  async function loadRuns() {
    runsBox.replaceChildren();
    if (!state.selected) { runsSummary.textContent = 'No export selected.'; return; }
    try {
      const r = await request(`${base(org.value)}${encodeURIComponent(state.selected)}/runs/`);
      const runs = (r.results || []).slice().reverse(); // oldest first
      runsTitle.textContent = 'Runs';
      runsSummary.textContent = `${runs.length} runs; ${runs.reduce((a, x) => a + (x.records_completed || 0), 0)} records exported`;
      drawChart(canvas, { type: 'bar', labels: runs.map(x => (x.data_interval_end || x.created_at || '').slice(0, 16)),
        series: [{ label: 'records', data: runs.map(x => x.records_completed || 0) }] });
      runsBox.replaceChildren(table([
        { label: 'Status', value: x => x.status },
        { label: 'Interval start', value: x => x.data_interval_start || '' },
        { label: 'Interval end', value: x => x.data_interval_end || '' },
        { label: 'Records', value: x => x.records_completed ?? '', num: true },
        { label: 'Bytes', value: x => x.bytes_exported ?? '', num: true },
        { label: 'Error', value: x => x.latest_error || '' },
      ], runs.slice().reverse()));
    } catch (e) { message(errors, unavailable(e)); }
  }
  await load();
}
