// engagement.js: active users per UTC day (engagement-dashboard/users/active-users) and a day × hour heat map of
// distinct active users (users-by-time-of-the-day-in-a-week) over the last days of the range (at most 14).
import { request } from './api.js';
import { h, field, message, today, daysAgo, addDays } from './ui.js';
import { drawChart, drawHeatMap } from './charts.js';

const state = { from: null, to: null };
const HEAT_DAYS = 14;

function days(from, to) {
  const out = [];
  for (let d = from; d <= to && out.length < 1000; d = addDays(d, 1)) out.push(d);
  return out;
}
const key = e => `${e.year}-${String(e.month).padStart(2, '0')}-${String(e.day).padStart(2, '0')}`;

export async function render(main) {
  const from = h('input', { type: 'date', name: 'start', value: state.from || daysAgo(27) });
  const to = h('input', { type: 'date', name: 'end', value: state.to || today() });
  const errors = h('div', { class: 'errors' });
  const lineCanvas = h('canvas', { role: 'img', 'aria-label': 'Active users per day chart' });
  const heatCanvas = h('canvas', { class: 'heat', role: 'img', 'aria-label': 'Active users by day and hour (UTC) heat map' });
  const lineSummary = h('p', { class: 'summary', id: 'active-summary' });
  const heatSummary = h('p', { class: 'summary', id: 'heat-summary' });
  main.append(h('form', { class: 'controls', onsubmit: ev => { ev.preventDefault(); load(); } },
    field('From', from), field('To (inclusive)', to), h('button', { type: 'submit' }, 'Show')), errors,
  h('div', { class: 'grid' },
    h('section', { class: 'card', 'aria-labelledby': 'h-active' }, h('h2', { id: 'h-active' }, 'Active users per day'),
      h('div', { class: 'chart-box' }, lineCanvas), lineSummary),
    h('section', { class: 'card', 'aria-labelledby': 'h-heat' }, h('h2', { id: 'h-heat' }, 'Active users by day and hour (UTC)'),
      h('div', {}, heatCanvas), h('div', { class: 'legend' }, '0', h('span', { class: 'bar' }), h('span', { id: 'heat-max' })), heatSummary)));

  async function load() {
    main.dataset.ready = '';
    errors.replaceChildren();
    state.from = from.value, state.to = to.value;
    const all = days(from.value, to.value);
    const heatDays = all.slice(-HEAT_DAYS);
    try {
      const [active, byHour] = await Promise.all([
        request('/api/v1/engagement-dashboard/users/active-users',
          { query: { start: `${from.value}T00:00:00.000Z`, end: `${to.value}T23:59:59.999Z` } }),
        request('/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week',
          { query: { start: `${heatDays[0] || from.value}T00:00:00.000Z`, end: `${to.value}T23:59:59.999Z` } }),
      ]);
      const perDay = new Map(active.month.map(e => [key(e), e.users]));
      const data = all.map(d => perDay.get(d) || 0);
      drawChart(lineCanvas, { labels: all, series: [{ label: 'active users', data }] });
      lineSummary.textContent = `${all.length} days; peak ${Math.max(0, ...data)} active users; ` +
        `${data.filter(Boolean).length} days with activity`;
      const cells = heatDays.map(() => new Array(24).fill(0));
      const row = new Map(heatDays.map((d, i) => [d, i]));
      for (const e of byHour.week) if (row.has(key(e))) cells[row.get(key(e))][e.hour] = e.users;
      const max = drawHeatMap(heatCanvas, heatDays, cells);
      document.getElementById('heat-max').textContent = String(max);
      let best = [0, 0, 0];
      cells.forEach((r, i) => r.forEach((v, hr) => { if (v > best[0]) best = [v, i, hr]; }));
      heatSummary.textContent = `${heatDays.length} days × 24 hours; busiest: ` +
        (best[0] ? `${heatDays[best[1]]} ${String(best[2]).padStart(2, '0')}:00 UTC with ${best[0]} users` : 'none');
      heatCanvas.setAttribute('aria-label', `Active users by day and hour heat map; ${heatSummary.textContent}`);
    } catch (e) {
      message(errors, e.message);
    }
    main.dataset.ready = 'yes';
  }
  await load();
}
