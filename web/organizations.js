// organizations.js: the organizations of the key's project through the PostHog-compatible /api/organizations/
// (list with limit/offset paging, create, rename, delete), with a chart of the listed orgs' member counts.
import { request } from './api.js';
import { h, field, message, table } from './ui.js';
import { drawChart } from './charts.js';

const state = { offset: 0, limit: 20 };

export function unavailable(e) {
  return e.status === 404 ? 'The organizations API (/api/organizations/) is not available on this server (404).' : e.message;
}

export async function render(main) {
  const errors = h('div', { class: 'errors' });
  const notice = h('div', { 'aria-live': 'polite' });
  const name = h('input', { name: 'name', required: true, maxlength: 64, placeholder: 'Acme Inc' });
  const create = h('form', { class: 'form', id: 'org-create', onsubmit: async ev => {
    ev.preventDefault();
    try {
      const o = await request('/api/organizations/', { method: 'POST', body: { name: name.value } });
      message(notice, `Created ${o.name}.`, 'ok');
      name.value = '';
      state.offset = 0;
      await load();
    } catch (e) { message(errors, unavailable(e)); }
  } }, field('New organization', name), h('button', { type: 'submit' }, 'Create'));
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Members per organization chart' });
  const summary = h('p', { class: 'summary', id: 'orgs-summary' });
  const list = h('div', { id: 'org-list' });
  const prev = h('button', { type: 'button', class: 'secondary', id: 'orgs-prev' }, '‹ Previous');
  const next = h('button', { type: 'button', class: 'secondary', id: 'orgs-next' }, 'Next ›');
  prev.addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); load(); });
  next.addEventListener('click', () => { state.offset += state.limit; load(); });
  main.append(create, notice, errors, h('section', { class: 'card', 'aria-labelledby': 'h-orgs' },
    h('h2', { id: 'h-orgs' }, 'Organizations'), h('div', { class: 'chart-box' }, canvas), summary, list,
    h('div', { class: 'pager' }, prev, next)));

  function editor(o) { // the row's actions: rename (inline form) and delete (asks again in the page)
    const box = h('div', { class: 'row-actions' });
    const rename = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rename ${o.name}` }, 'Rename');
    const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${o.name}` }, 'Delete');
    rename.addEventListener('click', () => {
      const input = h('input', { name: 'rename', value: o.name, maxlength: 64, 'aria-label': `New name for ${o.name}` });
      box.replaceChildren(h('form', { class: 'row-actions', onsubmit: async ev => {
        ev.preventDefault();
        try {
          await request(`/api/organizations/${encodeURIComponent(o.id)}/`, { method: 'PATCH', body: { name: input.value } });
          message(notice, `Renamed ${o.name} to ${input.value}.`, 'ok');
          await load();
        } catch (e) { message(errors, unavailable(e)); }
      } }, input, h('button', { type: 'submit' }, 'Save'),
      h('button', { type: 'button', class: 'secondary', onclick: () => load() }, 'Cancel')));
      input.focus();
    });
    del.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'danger', 'aria-label': `Confirm deleting ${o.name}` }, `Delete ${o.name}?`);
      yes.addEventListener('click', async () => {
        try {
          await request(`/api/organizations/${encodeURIComponent(o.id)}/`, { method: 'DELETE' });
          message(notice, `Deleted ${o.name}.`, 'ok');
          await load();
        } catch (e) { message(errors, unavailable(e)); }
      });
      box.replaceChildren(yes, h('button', { type: 'button', class: 'secondary', onclick: () => load() }, 'Keep'));
      yes.focus();
    });
    box.append(rename, del);
    return box;
  }

  async function load() {
    main.dataset.ready = '';
    errors.replaceChildren();
    try {
      const r = await request('/api/organizations/', { query: { limit: state.limit, offset: state.offset } });
      const rows = r.results;
      summary.textContent = `${r.count} organizations; showing ${rows.length ? state.offset + 1 : 0}–${state.offset + rows.length}`;
      list.replaceChildren(table([
        { label: 'Name', value: o => o.name },
        { label: 'Slug', value: o => o.slug, mono: true },
        { label: 'Members', value: o => o.member_count, num: true },
        { label: 'Created', value: o => (o.created_at || '').slice(0, 10) },
        { label: 'Actions', value: () => '', render: editor },
      ], rows));
      prev.disabled = !r.previous;
      next.disabled = !r.next;
      drawChart(canvas, { type: 'bar', labels: rows.map(o => o.name), series: [{ label: 'members', data: rows.map(o => o.member_count) }] });
    } catch (e) {
      message(errors, unavailable(e));
    }
    main.dataset.ready = 'yes';
  }
  await load();
}
