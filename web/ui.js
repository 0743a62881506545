// ui.js: small DOM, date and CSV helpers shared by the pages: element building (text only: never innerHTML with
// data), UTC date arithmetic, and CSV files for download.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false)
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let ids = 0;
// A labelled control: <label>Text <control id=...></label>.
export function field(label, control) {
  control.id = control.id || `f${++ids}`;
  return h('label', { for: control.id }, label, control);
}

export function select(name, options, value) {
  const s = h('select', { name });
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: String(v) === String(value) }, text));
  }
  return s;
}

export function message(container, text, kind = 'error') {
  container.replaceChildren(h('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text));
}

// ---- UTC dates ----
export const DAY = 86400000;
export function isoDay(d) { return new Date(d).toISOString().slice(0, 10); }
export function today() { return isoDay(Date.now()); }
export function daysAgo(n) { return isoDay(Date.now() - n * DAY); }
export function addDays(day, n) { return isoDay(Date.parse(day + 'T00:00:00Z') + n * DAY); }
export function formatTime(unixSeconds) {
  return unixSeconds ? new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '';
}

// ---- CSV ----
function csvCell(v) {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export function toCsv(columns, rows) {
  return [columns.map(c => csvCell(c.label)).join(','),
    ...rows.map(r => columns.map(c => csvCell(c.value(r))).join(','))].join('\r\n') + '\r\n';
}
export function download(filename, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function table(columns, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'muted' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
    h('tbody', {}, rows.map(r => h('tr', {}, columns.map(c => {
      const v = c.render ? c.render(r) : c.value(r);
      return h('td', { class: c.num ? 'num' : c.mono ? 'mono' : null }, v instanceof Node ? v : String(v ?? ''));
    }))))));
}
