// usage.js: usage by organization, team or user over a date range, per day/week/month (or the whole range), for all
// features (each feature's active users) or one (each of its metrics), from orgpulse's GET /v1/usage. The org list
// comes from the organizations API, or, where a server has none or the key may not read it, from the orgs with usage
// (/v1/usage group_by=org, named by the usage family's /api/v1/organization): a usage:read key is enough.
import { request, ApiError } from './api.js';
import { h, field, select, message, table, today, daysAgo, addDays } from './ui.js';
import { drawChart } from './charts.js';

const state = { org: '', scope: 'org', team: '', user: '', granularity: 'day', feature: '', from: null, to: null };

async function listOrgs() {
  try {
    const r = await request('/api/organizations/', { query: { limit: 1000 } });
    return r.results.map(o => ({ id: o.id, name: o.name }));
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) throw e; // no such API, or a usage-only key
  }
  const u = await request('/v1/usage', { query: { from: daysAgo(365), to: addDays(today(), 1), granularity: 'all', group_by: 'org' } });
  const ids = u.series.map(s => s.group).filter(Boolean).slice(0, 200);
  return Promise.all(ids.map(async id => {
    try { return { id, name: (await request('/api/v1/organization', { query: { organizationId: id } })).name || id }; } catch { return { id, name: id }; }
  }));
}

export async function render(main) {
  const errors = h('div', { class: 'errors' });
  let orgs;
  try {
    orgs = (await listOrgs()).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) { main.append(errors); message(errors, e.message); return; }
  if (!orgs.length) { main.append(h('p', { class: 'muted' }, 'No organization has usage yet.')); return; }
  if (!orgs.some(o => o.id === state.org)) state.org = orgs[0].id;

  const org = select('org', orgs.map(o => [o.id, o.name]), state.org);
  const scope = select('scope', [['org', 'Whole organization'], ['team', 'One team'], ['user', 'One user']], state.scope);
  const team = h('select', { name: 'team' }), user = h('select', { name: 'user' });
  const teamField = field('Team', team), userField = field('User', user);
  const granularity = select('granularity', [['day', 'Daily'], ['week', 'Weekly'], ['month', 'Monthly'], ['all', 'Whole range']], state.granularity);
  const feature = select('feature', [['', 'All features']], state.feature);
  const from = h('input', { type: 'date', name: 'from', value: state.from || daysAgo(30) });
  const to = h('input', { type: 'date', name: 'to', value: state.to || today() });
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Usage chart' });
  const heading = h('h2', { id: 'usage-title' }, 'Usage');
  const summary = h('p', { class: 'summary', id: 'usage-summary' });
  const rowsBox = h('div');
  main.append(h('form', { class: 'controls', onsubmit: ev => { ev.preventDefault(); load(); } },
    field('Organization', org), field('Scope', scope), teamField, userField, field('Granularity', granularity),
    field('Feature', feature), field('From', from), field('To (inclusive)', to), h('button', { type: 'submit' }, 'Show')),
  errors, h('section', { class: 'card', 'aria-labelledby': 'usage-title' }, heading,
    h('div', { class: 'chart-box' }, canvas), summary, rowsBox));

  async function loadMembers() { // the org's teams and current members (the first 1000), through the usage family
    const [teams, users] = await Promise.all([
      request('/api/v1/organization/teams', { query: { organizationId: org.value, limit: 1000 } }),
      request('/api/v1/organization/users', { query: { organizationId: org.value, limit: 1000 } })]);
    team.replaceChildren(...teams.data.map(t => h('option', { value: t.id }, t.name)));
    user.replaceChildren(...users.data.slice().sort((a, b) => a.email.localeCompare(b.email))
      .map(u => h('option', { value: u.id }, u.email)));
    if (state.team) team.value = state.team;
    if (state.user) user.value = state.user;
  }
  function showScope() {
    teamField.hidden = scope.value !== 'team';
    userField.hidden = scope.value !== 'user';
  }
  org.addEventListener('change', async () => { state.team = state.user = ''; await loadMembers().catch(e => message(errors, e.message)); load(); });
  for (const c of [scope, team, user, granularity, feature]) c.addEventListener('change', () => { showScope(); load(); });
  showScope();

  async function load() {
    main.dataset.ready = '';
    errors.replaceChildren();
    Object.assign(state, { org: org.value, scope: scope.value, team: team.value, user: user.value,
      granularity: granularity.value, feature: feature.value, from: from.value, to: to.value });
    const query = { from: from.value, to: addDays(to.value, 1), granularity: granularity.value, org_id: org.value,
      team_id: scope.value === 'team' ? team.value : '', user_id: scope.value === 'user' ? user.value : '',
      feature: feature.value, group_by: 'feature' };
    try {
      const r = await request('/v1/usage', { query });
      const groups = r.series.filter(s => s.group !== null);
      const known = new Set([...feature.options].map(o => o.value));
      for (const g of groups) if (!known.has(g.group)) feature.append(h('option', { value: g.group }, g.group || '(none)'));
      const buckets = (r.series[0] || { buckets: [] }).buckets;
      const labels = buckets.map(b => b.from.slice(0, 10));
      const who = scope.value === 'org' ? org.selectedOptions[0].textContent
        : scope.value === 'team' ? `team ${team.selectedOptions[0]?.textContent || ''}`
          : `user ${user.selectedOptions[0]?.textContent || ''}`;
      let series, cols;
      if (!feature.value) {
        series = groups.map(g => ({ label: `${g.group || '(none)'} active users`, data: g.buckets.map(b => b.active_users) }));
        cols = [{ label: 'Bucket', value: (b, i) => labels[i] }, ...groups.map(g => ({ label: `${g.group} active users`, num: true, value: (b, i) => g.buckets[i].active_users }))];
      } else {
        const g = groups[0] || { buckets: buckets };
        const metrics = [...new Set(g.buckets.flatMap(b => Object.keys((b.usage || {})[feature.value] || {})))];
        series = [{ label: 'active users', data: g.buckets.map(b => b.active_users) },
          ...metrics.map(m => ({ label: m, data: g.buckets.map(b => ((b.usage || {})[feature.value] || {})[m] || 0) }))];
        cols = [{ label: 'Bucket', value: (b, i) => labels[i] }, { label: 'Active users', num: true, value: (b, i) => g.buckets[i].active_users },
          ...metrics.map(m => ({ label: m, num: true, value: (b, i) => ((g.buckets[i].usage || {})[feature.value] || {})[m] || 0 }))];
      }
      heading.textContent = `Usage of ${who}${feature.value ? `, ${feature.value}` : ''}`;
      drawChart(canvas, { type: granularity.value === 'day' ? 'line' : 'bar', labels, series });
      summary.textContent = `${labels.length} ${granularity.selectedOptions[0].textContent.toLowerCase()} buckets, ` +
        `${groups.length} feature${groups.length === 1 ? '' : 's'}`;
      const indexed = buckets.map((b, i) => i);
      rowsBox.replaceChildren(table(cols.map(c => ({ ...c, value: i => c.value(buckets[i], i) })), indexed));
    } catch (e) {
      message(errors, e.message);
    }
    main.dataset.ready = 'yes';
  }
  try { await loadMembers(); } catch (e) { message(errors, e.message); }
  await load();
}
