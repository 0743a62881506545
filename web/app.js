// app.js: the dashboard's shell: the API key form (the key lives in sessionStorage for this tab), the bad-key banner,
// and hash routing (#/overview, #/reports, ...) to the page modules, each of which exports render(main).
import { apiKey, setApiKey } from './api.js';
import { h } from './ui.js';
import * as overview from './overview.js';
import * as reports from './reports.js';
import * as usage from './usage.js';
import * as engagement from './engagement.js';
import * as organizations from './organizations.js';
import * as exports_ from './exports.js';

const PAGES = { overview, reports, usage, engagement, organizations, exports: exports_ };
const TITLES = { overview: 'Overview', reports: 'Reports', usage: 'Usage', engagement: 'Engagement',
  organizations: 'Organizations', exports: 'Exports' };
const main = document.getElementById('main');
const status = document.getElementById('key-status');
const keyInput = document.getElementById('api-key');

function showKeyState(bad) {
  status.replaceChildren();
  if (bad) status.append(h('p', { class: 'error', role: 'alert', id: 'bad-key' },
    'The API key was refused (401 Unauthorized): check it and enter it again.'));
  else if (!apiKey()) status.append(h('p', { class: 'ok' }, 'Enter an API key (for example the one `make run` printed) to load data.'));
}

function currentPage() {
  const name = (location.hash.match(/^#\/([a-z]+)/) || [])[1];
  return PAGES[name] ? name : 'overview';
}

let generation = 0;
async function route() {
  const name = currentPage();
  document.querySelectorAll('#nav a').forEach(a =>
    a.dataset.page === name ? a.setAttribute('aria-current', 'page') : a.removeAttribute('aria-current'));
  document.title = `${TITLES[name]} · orgpulse`;
  const gen = ++generation;
  main.replaceChildren(h('h1', {}, TITLES[name]));
  main.dataset.page = name;
  main.dataset.ready = '';
  if (!apiKey()) { showKeyState(false); main.dataset.ready = 'no-key'; return; }
  try {
    await PAGES[name].render(main);
  } finally {
    if (gen === generation) main.dataset.ready = 'yes';
  }
}

document.getElementById('key-form').addEventListener('submit', ev => {
  ev.preventDefault();
  setApiKey(keyInput.value.trim());
  keyInput.value = '';
  keyInput.placeholder = apiKey() ? 'key in use (enter another to replace it)' : 'paste a key';
  showKeyState(false);
  route();
});
document.getElementById('key-forget').addEventListener('click', () => {
  setApiKey('');
  keyInput.placeholder = 'paste a key';
  route();
});
window.addEventListener('orgpulse:bad-key', () => showKeyState(true));
window.addEventListener('hashchange', () => { route(); main.focus(); });
if (apiKey()) keyInput.placeholder = 'key in use (enter another to replace it)';
showKeyState(false);
route();
