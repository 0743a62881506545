// reports.js: the eight Insights reports (user_report/*, org_report/*) with their intervals, paging over the report's
// snapshot, a chart of the page's figures, and a CSV download of every row of the report.
import { request } from './api.js';
import { h, field, select, message, table, toCsv, download, formatTime } from './ui.js';
import { drawChart } from './charts.js';

const DAYS = ['30', '60', '90'], CHURN = ['7', '14', '30'], PERIOD = ['Weekly', 'Monthly'];
const REPORTS = {
  'user/top_inviter': { title: 'Top inviters (users)', intervals: DAYS, figure: 'num_invites' },
  'user/champion': { title: 'Champions (users)', intervals: DAYS, figure: 'num_active_days' },
  'user/reengagement': { title: 'Re-engaged users', intervals: PERIOD },
  'user/churn': { title: 'Churned users', intervals: CHURN },
  'org/reengagement': { title: 'Re-engaged orgs', intervals: PERIOD },
  'org/churn': { title: 'Churned orgs', intervals: CHURN },
  'org/growth': { title: 'Growing orgs', intervals: DAYS, figure: 'num_users_added' },
  'org/attrition': { title: 'Orgs losing members', intervals: DAYS, figure: 'num_users_removed' },
};
const state = { report: 'user/champion', interval: {}, pageSize: 10, page: 0 };

function path(report) {
  const [kind, type] = report.split('/');
  return `/api/backend/v1/${kind}_report/${type}`;
}

function columns(report) {
  const extra = r => Object.entries(r.extra_properties || {}).map(([k, v]) => `${k}: ${v}`).join(', ');
  if (report.startsWith('user/')) return [
    { label: 'User', value: r => r.email, render: r => h('span', { title: r.user_id }, r.email) },
    { label: 'Name', value: r => [r.first_name, r.last_name].filter(Boolean).join(' ') || r.username || '' },
    { label: 'Organizations', value: r => (r.org_data || []).map(o => `${o.display_name} (${o.user_role})`).join('; ') },
    { label: 'Last active', value: r => formatTime(r.last_active_at) },
    { label: 'Signed up', value: r => formatTime(r.user_created_at) },
    { label: 'Figures', value: extra },
  ];
  return [
    { label: 'Organization', value: r => r.name, render: r => h('span', { title: r.org_id }, r.name) },
    { label: 'Members', value: r => r.num_users, num: true },
    { label: 'Created', value: r => formatTime(r.org_created_at) },
    { label: 'Figures', value: extra },
  ];
}
const CSV_COLUMNS = {
  user: ['user_id', 'email', 'username', 'first_name', 'last_name', 'user_created_at', 'last_active_at', 'org_data', 'extra_properties'],
  org: ['org_id', 'name', 'num_users', 'org_created_at', 'extra_properties'],
};

export async function render(main) {
  const report = select('report', Object.entries(REPORTS).map(([k, v]) => [k, v.title]), state.report);
  const interval = h('select', { name: 'report_interval' });
  const pageSize = select('page_size', ['10', '25', '50', '100'], String(state.pageSize));
  const errors = h('div', { class: 'errors' });
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Report chart' });
  const heading = h('h2', { id: 'report-title' });
  const summary = h('p', { class: 'summary', id: 'report-summary' });
  const rowsBox = h('div', { id: 'report-rows' });
  const prev = h('button', { type: 'button', class: 'secondary', id: 'prev-page' }, '‹ Previous page');
  const next = h('button', { type: 'button', class: 'secondary', id: 'next-page' }, 'Next page ›');
  const csv = h('button', { type: 'button', id: 'csv' }, 'Download CSV');
  const pageInfo = h('span', { id: 'page-info', 'aria-live': 'polite' });

  function fillIntervals() {
    const opts = REPORTS[report.value].intervals;
    interval.replaceChildren(...opts.map(o => h('option', { value: o }, /\d/.test(o) ? `${o} days` : o)));
    interval.value = state.interval[report.value] || opts[0];
  }
  fillIntervals();
  report.addEventListener('change', () => { state.report = report.value; state.page = 0; fillIntervals(); load(); });
  interval.addEventListener('change', () => { state.interval[report.value] = interval.value; state.page = 0; load(); });
  pageSize.addEventListener('change', () => { state.pageSize = Number(pageSize.value); state.page = 0; load(); });
  prev.addEventListener('click', () => { state.page--; load(); });
  next.addEventListener('click', () => { state.page++; load(); });
  csv.addEventListener('click', downloadCsv);

  main.append(h('div', { class: 'controls' }, field('Report', report), field('Interval', interval),
    field('Rows per page', pageSize), csv), errors,
  h('section', { class: 'card', 'aria-labelledby': 'report-title' }, heading,
    h('div', { class: 'chart-box' }, canvas), summary, rowsBox, h('div', { class: 'pager' }, prev, pageInfo, next)));

  async function load() {
    main.dataset.ready = '';
    errors.replaceChildren();
    const def = REPORTS[report.value];
    heading.textContent = `${def.title}, ${interval.selectedOptions[0].textContent}`;
    try {
      const r = await request(path(report.value), { query: {
        report_interval: interval.value, page_size: state.pageSize, page_number: state.page } });
      const rows = r.user_reports || r.org_reports || [];
      const isUser = report.value.startsWith('user/');
      rowsBox.replaceChildren(rows.length ? table(columns(report.value), rows)
        : h('p', { class: 'muted' }, 'No rows in this report.'));
      const first = state.page * state.pageSize;
      summary.textContent = `${r.total_count} rows in the report computed ${formatTime(r.report_time)}`;
      pageInfo.textContent = rows.length ? `Rows ${first + 1}–${first + rows.length} of ${r.total_count} (page ${state.page + 1})`
        : `Page ${state.page + 1}`;
      prev.disabled = state.page === 0;
      next.disabled = !r.has_more_results;
      // the page's figure per row: the report's own number, else days since last activity (users) or members (orgs)
      const now = r.report_time || Date.now() / 1000;
      const figure = def.figure ? [def.figure, x => x.extra_properties[def.figure]]
        : isUser ? ['days since last active', x => Math.round((now - x.last_active_at) / 86400)]
          : ['members', x => x.num_users];
      drawChart(canvas, { type: 'bar', labels: rows.map(x => isUser ? (x.username || x.email) : x.name),
        series: [{ label: figure[0], data: rows.map(figure[1]) }], yTitle: figure[0] });
    } catch (e) {
      message(errors, e.message);
    }
    main.dataset.ready = 'yes';
  }

  async function downloadCsv() {
    csv.disabled = true;
    try {
      const all = [];
      for (let page = 0; ; page++) {
        const r = await request(path(report.value), { query: { report_interval: interval.value, page_size: 1000, page_number: page } });
        all.push(...(r.user_reports || r.org_reports || []));
        if (!r.has_more_results) break;
      }
      const cols = CSV_COLUMNS[report.value.split('/')[0]].map(k => ({ label: k, value: r => r[k] }));
      download(`${report.value.replace('/', '_')}_${interval.value}.csv`, toCsv(cols, all));
    } catch (e) {
      message(errors, e.message);
    } finally {
      csv.disabled = false;
    }
  }
  await load();
}
