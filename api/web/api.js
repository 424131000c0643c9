// api.js -- the UI's one way to the JSON API (/api/v1, docs/openapi.yaml).
// Every call sends the session cookie (same origin), Accept-Language of
// the UI's language and, for POST/PUT/DELETE, the session's CSRF token.
// A 401 on a call made with a session means the session ended: the app
// is told (onExpired) and goes back to the login page.
import { getLang } from './i18n.js';

let csrf = null;
let onExpired = () => {};

let epoch = 0;

export function setCsrf(token) { csrf = token; }

// A navigation begins: the answers of calls made before it are dropped
// (they reject with Stale), so a page the user left never draws over the
// page they went to.
export function newEpoch() { epoch += 1; }
export class Stale extends Error {}
export function setExpiredHandler(fn) { onExpired = fn; }

export class ApiError extends Error {
  constructor(status, body, headers) {
    const e = body && body.error ? body.error : null;
    const reason = e && e.details && typeof e.details === 'object' && e.details.reason ? e.details.reason : '';
    super(e ? e.message + (reason ? ': ' + reason : '') : 'HTTP ' + status);
    this.status = status;
    this.code = e ? e.code : null;
    this.details = e ? e.details : null;
    this.retryAfter = headers ? headers.get('Retry-After') : null;
  }
}

function headers(method, extra) {
  const h = { 'Accept': 'application/json', 'Accept-Language': getLang() === 'en' ? 'en' : 'ja', ...extra };
  if (method !== 'GET' && method !== 'HEAD' && csrf) h['X-CSRF-Token'] = csrf;
  return h;
}

// api('GET', '/api/v1/anomalies', {query: {...}, body: {...}, quiet401: true})
export async function api(method, path, opts = {}) {
  let url = path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const init = { method, headers: headers(method, opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), credentials: 'same-origin' };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  const began = epoch;
  const resp = await fetch(url, init);
  let body = null;
  const type = resp.headers.get('Content-Type') || '';
  if (type.startsWith('application/json')) body = await resp.json().catch(() => null);
  if (resp.status === 401 && !opts.quiet401) onExpired();
  if (began !== epoch) throw new Stale('left');
  if (!resp.ok) throw new ApiError(resp.status, body, resp.headers);
  return body;
}

// Sends file (a File, streamed by the browser from disk, never read here)
// to POST /api/v1/uploads. onProgress(sent, total) follows the upload;
// onSent() is called when every byte has left and the server ingests.
// Resolves {status, body}: 201 and 422 (a rejected file) both resolve.
export function upload(file, query, onProgress, onSent) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
    xhr.open('POST', '/api/v1/uploads?' + q.toString());
    const h = headers('POST', { 'Content-Type': 'text/csv' });
    for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.upload.addEventListener('load', () => { onProgress(file.size, file.size); onSent(); });
    xhr.addEventListener('load', () => {
      if (xhr.status === 401) onExpired();
      resolve({ status: xhr.status, body: xhr.response, retryAfter: xhr.getResponseHeader('Retry-After') });
    });
    xhr.addEventListener('error', () => reject(new Error('network error')));
    xhr.send(file);
  });
}

// Sends file (a File or Blob) as the body of METHOD path?query with type,
// as the browser reads it (the page never does). Resolves {status, body}
// for every answer the server gave, so that the caller shows a refusal's
// details (a workbook's row errors); rejects on a network error.
export async function sendFile(method, path, query, file, type) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  const resp = await fetch(path + (s ? '?' + s : ''), { method, headers: headers(method, { 'Content-Type': type }), body: file, credentials: 'same-origin' });
  const ct = resp.headers.get('Content-Type') || '';
  const body = ct.startsWith('application/json') ? await resp.json().catch(() => null) : null;
  if (resp.status === 401) onExpired();
  return { status: resp.status, body };
}
