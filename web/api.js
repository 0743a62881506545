// api.js: the one way the dashboard talks to orgpulse: the API key (kept in sessionStorage for this tab), requests with
// it as a Bearer token, and every family's error body turned into one readable sentence (ApiError).
const KEY = 'orgpulse.apiKey';

export function apiKey() { return sessionStorage.getItem(KEY) || ''; }
export function setApiKey(key) { key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, body, message) { super(message); this.status = status; this.body = body; }
}

// The message of an error body in any family's shape (auth.md): orgpulse {error,message}, Insights {field:[msg]},
// Tabnine {error:{message,errors}}, Rocket.Chat {error}, users v2 {message}, PostHog {detail,attr}.
function bodyMessage(body) {
  if (!body || typeof body !== 'object') return '';
  if (body.detail) return body.attr ? `${body.attr}: ${body.detail}` : body.detail;
  if (body.error && typeof body.error === 'object')
    return (body.error.errors && body.error.errors.join('; ')) || body.error.message || '';
  if (typeof body.message === 'string') return body.message;
  if (typeof body.error === 'string') return body.error;
  return Object.entries(body).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join('; ');
}

export function describeError(status, body) {
  if (status === 401) return 'The API key was refused (401 Unauthorized): check it and enter it again above.';
  if (status === 403) return `This API key may not do that (403 Forbidden)${bodyMessage(body) ? ': ' + bodyMessage(body) : ''}.`;
  if (status === 404) return `Not found (404)${bodyMessage(body) ? ': ' + bodyMessage(body) : ''}.`;
  return `Request failed (${status})${bodyMessage(body) ? ': ' + bodyMessage(body) : ''}.`;
}

// request('/path', {query: {a: 1}, method, body}) -> the parsed JSON (null for an empty body), or throws ApiError.
export async function request(path, { query, method = 'GET', body } = {}) {
  const key = apiKey();
  if (!key) throw new ApiError(0, null, 'Enter an API key above to load data.');
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, null, `The server cannot be reached (${e.message}).`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    if (res.status === 401) window.dispatchEvent(new CustomEvent('orgpulse:bad-key'));
    throw new ApiError(res.status, data, describeError(res.status, data));
  }
  return data;
}
