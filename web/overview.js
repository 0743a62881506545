// overview.js: the four Insights charts (chart_metrics: signups, orgs created, active users, active orgs) with one
// cadence and date range for all four.
import { request } from './api.js';
import { h, field, select, message, today, daysAgo } from './ui.js';
import { drawChart } from './charts.js';

const METRICS = [['signups', 'Signups'], ['orgs_created', 'Orgs created'], ['active_users', 'Active users'],
  ['active_orgs', 'Active orgs']];
const DEFAULT_DAYS = { Daily: 30, Weekly: 91, Monthly: 365 };
const state = { cadence: 'Daily', start: null, end: null };

export async function render(main) {
  const cadence = select('cadence', ['Daily', 'Weekly', 'Monthly'], state.cadence);
  const start = h('input', { type: 'date', name: 'start_date', value: state.start || daysAgo(DEFAULT_DAYS.Daily) });
  const end = h('input', { type: 'date', name: 'end_date', value: state.end || today() });
  const apply = h('button', { type: 'submit' }, 'Show');
  const errors = h('div', { class: 'errors' });
  const grid = h('div', { class: 'grid' });
  const cards = METRICS.map(([metric, title]) => {
    const canvas = h('canvas', { role: 'img', 'aria-label': `${title} chart`, 'data-metric': metric });
    const summary = h('p', { class: 'summary', 'data-summary': metric });
    grid.append(h('section', { class: 'card', 'aria-labelledby': `h-${metric}` },
      h('h2', { id: `h-${metric}` }, title), h('div', { class: 'chart-box' }, canvas), summary));
    return { metric, title, canvas, summary };
  });
  cadence.addEventListener('change', () => { // a sensible range for the new cadence, unless one was typed
    if (!state.start) start.value = daysAgo(DEFAULT_DAYS[cadence.value]);
    load();
  });
  const form = h('form', { class: 'controls', onsubmit: ev => { ev.preventDefault(); state.start = start.value; state.end = end.value; load(); } },
    field('Cadence', cadence), field('From', start), field('To', end), apply);
  main.append(form, errors, grid);

  async function load() {
    state.cadence = cadence.value;
    errors.replaceChildren();
    main.dataset.ready = '';
    await Promise.all(cards.map(async c => {
      try {
        const r = await request(`/api/backend/v1/chart_metrics/${c.metric}`,
          { query: { cadence: cadence.value, start_date: start.value, end_date: end.value } });
        const labels = r.metrics.map(m => m.date), data = r.metrics.map(m => m.result);
        drawChart(c.canvas, { type: cadence.value === 'Daily' ? 'line' : 'bar', labels,
          series: [{ label: c.title, data }] });
        const total = data.reduce((a, b) => a + b, 0);
        c.summary.textContent = `${labels.length} ${cadence.value.toLowerCase()} buckets from ${labels[0] || '-'}; ` +
          (c.metric.startsWith('active') ? `peak ${Math.max(0, ...data)}` : `total ${total}`) +
          (r.metrics.length && !r.metrics[r.metrics.length - 1].cadence_completed ? ' (last bucket in progress)' : '');
      } catch (e) {
        message(errors, e.message);
        c.summary.textContent = '';
      }
    }));
    main.dataset.ready = 'yes';
  }
  await load();
}
