// app.js -- the tenken web UI: session, navigation by role and the pages
// (hash routes). Data comes only from the JSON API (api.js); the page
// never holds a credential other than the session's CSRF token, which it
// gets back from GET /api/v1/session after a reload.
import { api, upload, sendFile, setCsrf, setExpiredHandler, ApiError, newEpoch, Stale } from './api.js';
import { h, clear, id } from './dom.js';
import { t, has, getLang, setLang, numberFmt, timeFmt, bytesFmt } from './i18n.js';

const READERS = ['analyst', 'reporter', 'admin'];
const UPLOADERS = ['uploader', 'analyst', 'admin'];
const CHANGERS = ['analyst', 'admin'];
const EVERYONE = ['uploader', 'analyst', 'reporter', 'admin'];

// The navigation: one line per page, shown to the roles that may open it.
const NAV = [
  { hash: '#/cases', key: 'nav_cases', roles: READERS, icon: '◆' },
  { hash: '#/upload', key: 'nav_upload', roles: UPLOADERS, icon: '↑' },
  { hash: '#/uploads', key: 'nav_uploads', roles: UPLOADERS, icon: '≡' },
  { hash: '#/analyses', key: 'nav_analyses', roles: READERS, icon: '▶' },
  { hash: '#/tuning', key: 'nav_tuning', roles: READERS, icon: '⚙' },
  { hash: '#/reports', key: 'nav_reports', roles: EVERYONE, icon: '▤' },
  { hash: '#/confirmations', key: 'nav_confirm', roles: UPLOADERS, icon: '✓' },
  { hash: '#/audit', key: 'nav_audit', roles: ['admin'], icon: '✎' },
  { hash: '#/accounts', key: 'nav_accounts', roles: ['admin'], icon: '☺' },
];

// Routes: pattern, the roles that may open it, the page.
const ROUTES = [
  [/^#\/upload$/, UPLOADERS, pageUpload],
  [/^#\/uploads$/, UPLOADERS, pageUploads],
  [/^#\/uploads\/(\d+)$/, UPLOADERS, pageUpload1],
  [/^#\/cases$/, READERS, pageCases],
  [/^#\/case\/([0-9]+-[0-9]+)$/, READERS, pageCase],
  [/^#\/entity\/(user|terminal)\/([^/?]+)$/, READERS, pageEntity],
  [/^#\/tuning$/, READERS, pageTuning],
  [/^#\/analyses$/, READERS, pageAnalyses],
  [/^#\/audit$/, ['admin'], pageAudit],
  [/^#\/accounts$/, ['admin'], pageAccounts],
  [/^#\/reports$/, EVERYONE, pageReports],
  [/^#\/confirmations$/, UPLOADERS, pageConfirmations],
];

let me = null; // GET /api/v1/session
let loginMessage = null;
const main = () => document.getElementById('main');
const can = (roles) => me && roles.includes(me.role);

function announce(msg) {
  const live = document.getElementById('live');
  live.textContent = '';
  setTimeout(() => { live.textContent = msg; }, 30);
}

function home() {
  if (!me) return '#/login';
  return me.role === 'uploader' ? '#/upload' : '#/cases';
}

function hashPath() { return location.hash.split('?')[0] || ''; }
function hashQuery() { return new URLSearchParams(location.hash.split('?')[1] || ''); }
function setHashQuery(path, q) {
  const str = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== '' && v !== null && v !== undefined)).toString();
  location.hash = path + (str ? '?' + str : '');
}

// Query arguments every tenant-scoped call takes: a global admin names
// the tenant chosen in the header.
function tq(extra) {
  const q = { ...(extra || {}) };
  if (me && !me.tenant) {
    const chosen = localStorage.getItem('tenken.tenant');
    if (chosen) q.tenant = chosen;
  }
  return q;
}

// ---- frame -----------------------------------------------------------------

function renderFrame() {
  document.documentElement.lang = getLang();
  document.title = t('app');
  document.getElementById('brand-name').textContent = t('app');
  document.getElementById('skip').textContent = t('skip');
  const top = document.getElementById('top');
  const nav = document.getElementById('nav');
  top.hidden = false;
  const who = clear(document.getElementById('who'));
  const langBtn = h('button', { type: 'button', class: 'btn ghost small', lang: getLang() === 'ja' ? 'en' : 'ja', 'aria-label': t('lang_label') + ': ' + t('lang_switch'), onclick: () => { setLang(getLang() === 'ja' ? 'en' : 'ja'); renderFrame(); route(); } }, t('lang_switch'));
  if (me) {
    let tenant = me.tenant;
    if (!tenant) {
      const tid = id('tenant');
      tenant = h('span', {}, h('label', { for: tid, class: 'sr' }, t('tenant')),
        h('input', { id: tid, class: 'tenant-input', value: localStorage.getItem('tenken.tenant') || '', placeholder: 'tenant', onchange: (e) => { localStorage.setItem('tenken.tenant', e.target.value.trim()); route(); } }));
    }
    who.append(
      h('dl', { class: 'whoami' },
        h('dt', {}, t('tenant')), h('dd', { 'data-test': 'tenant' }, tenant),
        h('dt', {}, t('user')), h('dd', { 'data-test': 'user' }, me.name),
        h('dt', {}, t('role')), h('dd', {}, h('span', { class: 'badge role', 'data-test': 'role' }, t('role_' + me.role)))),
      langBtn,
      h('button', { type: 'button', class: 'btn ghost small', onclick: logout, 'data-test': 'logout' }, t('logout')));
    nav.hidden = false;
    nav.setAttribute('aria-label', t('nav'));
    const cur = hashPath();
    clear(nav).append(h('ul', {}, NAV.filter((n) => can(n.roles)).map((n) =>
      h('li', {}, h('a', { href: n.hash, 'aria-current': cur.startsWith(n.hash) && (cur === n.hash || cur[n.hash.length] === '/') ? 'page' : null }, h('span', { class: 'icon', 'aria-hidden': 'true' }, n.icon), h('span', { class: 'label' }, t(n.key)))))));
  } else {
    who.append(langBtn);
    nav.hidden = true;
  }
}

function page(titleKey, vars, ...body) {
  const m = clear(main());
  const title = t(titleKey, vars);
  document.title = title + ' — ' + t('app');
  m.append(h('h1', {}, title), ...body);
  return m;
}

function card(title, ...body) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...body);
}

function errorBox(e) {
  if (e instanceof Stale) return document.createTextNode('');
  return h('div', { class: 'alert error', role: 'alert' }, e instanceof ApiError || e instanceof Error ? e.message : String(e));
}

function loading() { return h('p', { class: 'muted', role: 'status' }, t('loading')); }

// A models-only case has no severity: a dash, not a badge.
function sevBadge(sev) { return sev ? h('span', { class: 'badge sev-' + sev }, t('sev_' + sev)) : h('span', { class: 'muted' }, '—'); }
function statusBadge(st) { return h('span', { class: 'badge ts-' + st, 'data-test': 'status' }, t('ts_' + st)); }
function sourceBadges(item) {
  const out = [];
  for (const r of item.rules || []) out.push(h('span', { class: 'badge rule', title: t('rule') }, r));
  if (item.source === 'model' || (item.explanation && item.explanation.case && item.explanation.case.models) || /モデル|model/.test(item.summary || '') && item.source === 'model')
    out.push(h('span', { class: 'badge model' }, t('src_model')));
  if (!out.length) out.push(h('span', { class: 'badge ' + item.source }, t('src_' + item.source)));
  return h('span', { class: 'badges' }, out);
}
function scoreBar(score) {
  const fill = h('span', { class: 'fill' });
  fill.style.width = Math.max(0, Math.min(100, score)) + '%';
  const cls = score >= 90 ? 'critical' : score >= 70 ? 'high' : score >= 45 ? 'medium' : 'low';
  return h('span', { class: 'score' }, h('span', { class: 'bar bar-' + cls, role: 'img', 'aria-label': t('score') + ' ' + numberFmt(score, 1) }, fill), h('span', { class: 'num' }, numberFmt(score, 1)));
}

function field(label, control, hint) {
  const fid = control.id || id('f');
  control.id = fid;
  return h('div', { class: 'field' }, h('label', { for: fid }, label), control, hint ? h('small', { class: 'muted' }, hint) : null);
}

function select(options, value, attrs) {
  return h('select', attrs || {}, options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}

// ---- session ---------------------------------------------------------------

async function logout() {
  try { await api('DELETE', '/api/v1/session', { quiet401: true }); } catch (e) { /* ended anyway */ }
  me = null;
  setCsrf(null);
  loginMessage = ['info', t('logged_out')];
  go('#/login');
}

// Shows the page of hash: a new hash routes through hashchange, the same
// one is routed again here (never both, so a page is built once).
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

setExpiredHandler(() => {
  if (!me) return;
  me = null;
  setCsrf(null);
  loginMessage = ['warn', t('expired')];
  go('#/login');
});

function pageLogin() {
  const m = clear(main());
  document.title = t('login_title') + ' — ' + t('app');
  const msg = h('div', { id: 'login-msg', 'aria-live': 'assertive' });
  if (loginMessage) msg.append(h('div', { class: 'alert ' + loginMessage[0], role: 'alert' }, loginMessage[1]));
  loginMessage = null;
  const name = h('input', { name: 'name', autocomplete: 'username', required: true });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { type: 'submit', class: 'btn primary wide' }, t('login_btn'));
  const form = h('form', { class: 'login-form', onsubmit: async (e) => {
    e.preventDefault();
    clear(msg);
    btn.disabled = true;
    btn.textContent = t('logging_in');
    try {
      const d = await api('POST', '/api/v1/session', { body: { name: name.value, password: pw.value }, quiet401: true });
      setCsrf(d.csrf_token);
      me = d;
      go(home());
    } catch (err) {
      let text = err.message;
      if (err.code === 'wrong_credentials') text = t('wrong_credentials');
      if (err.code === 'too_many_requests') text = t('locked', { s: err.retryAfter || '?' });
      msg.append(h('div', { class: 'alert error', role: 'alert', 'data-test': 'login-error' }, text));
      btn.disabled = false;
      btn.textContent = t('login_btn');
      pw.value = '';
      pw.focus();
    }
  } }, field(t('name'), name), field(t('password'), pw), btn);
  m.append(h('div', { class: 'login' },
    h('div', { class: 'login-card card' },
      h('div', { class: 'login-brand' }, h('img', { src: '/ui/logo.svg', alt: '', width: 48, height: 48 }), h('h1', {}, t('login_title'))),
      h('p', { class: 'muted' }, t('login_lead')), msg, form)));
  name.focus();
}

// ---- router ----------------------------------------------------------------

async function route() {
  newEpoch();
  const path = hashPath();
  if (!me) { renderFrame(); pageLogin(); return; }
  if (path === '' || path === '#/' || path === '#/login') { location.replace(home()); return; }
  renderFrame();
  window.scrollTo(0, 0);
  for (const [re, roles, fn] of ROUTES) {
    const mt = path.match(re);
    if (!mt) continue;
    if (!can(roles)) {
      page('forbidden_page', null, h('div', { class: 'alert error', role: 'alert', 'data-test': 'forbidden' }, t('forbidden_page')));
      return;
    }
    try {
      await fn(...mt.slice(1).map(decodeURIComponent));
    } catch (e) {
      if (e instanceof Stale) return; // the user went elsewhere meanwhile
      if (me) main().append(errorBox(e));
    }
    main().focus({ preventScroll: true });
    return;
  }
  location.replace(home());
}

// ---- upload ----------------------------------------------------------------

async function pageUpload() {
  const status = h('div', { 'aria-live': 'polite', class: 'upload-status' });
  const profiles = h('select', { name: 'profile' }, h('option', { value: '' }, t('profile_auto')));
  const input = h('input', { type: 'file', accept: '.csv,.txt,text/csv', class: 'file-input', name: 'file' });
  const chosen = h('p', { class: 'chosen', 'data-test': 'chosen' });
  const lenient = h('input', { type: 'checkbox', name: 'lenient' });
  let file = null;
  const choose = (f) => { file = f; chosen.textContent = f ? f.name + '（' + bytesFmt(f.size) + '）' : ''; };
  input.addEventListener('change', () => choose(input.files[0] || null));
  const drop = h('label', { class: 'drop', for: 'upload-file' }, h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, '⇪'), h('strong', {}, t('drop')), h('span', { class: 'muted' }, t('or_pick')));
  input.id = 'upload-file';
  for (const ev of ['dragenter', 'dragover']) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add('over'); });
  for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.remove('over'); });
  drop.addEventListener('drop', (e) => { if (e.dataTransfer.files.length) choose(e.dataTransfer.files[0]); });
  const bar = h('progress', { max: 100, value: 0, 'aria-label': t('progress'), 'data-test': 'upload-progress' });
  const pct = h('span', { class: 'pct', 'data-test': 'upload-pct' }, '0%');
  const prog = h('div', { class: 'progress', hidden: true }, bar, pct);
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('upload_btn'));
  const form = h('form', { class: 'upload-form', onsubmit: async (e) => {
    e.preventDefault();
    clear(status);
    if (!file) { status.append(h('div', { class: 'alert error', role: 'alert' }, t('choose_file'))); return; }
    btn.disabled = true;
    prog.hidden = false;
    let poll = null;
    let lastPct = -1;
    try {
      const res = await upload(file, tq({ name: file.name, profile: profiles.value, lenient: lenient.checked ? '1' : '' }),
        (sent, total) => {
          const p = total ? Math.floor((sent * 100) / total) : 100;
          bar.value = p;
          pct.textContent = p + '%';
          if (p - lastPct >= 25 || p === 100) { lastPct = p; announce(t('uploading') + ' ' + p + '%'); }
        },
        () => {
          const note = h('p', { class: 'muted', 'data-test': 'ingesting' }, t('ingesting'));
          status.append(note);
          poll = setInterval(async () => {
            try {
              const d = await api('GET', '/api/v1/uploads', { query: tq({ limit: 1 }) });
              const mine = (d.in_progress || []).find((x) => x.file === file.name);
              if (mine) note.textContent = t('ingesting') + ' ' + numberFmt(mine.rows) + ' ' + t('rows_total');
            } catch (err) { /* the answer will tell */ }
          }, 1000);
        });
      clearInterval(poll);
      clear(status).append(uploadResult(res));
    } catch (err) {
      clearInterval(poll);
      clear(status).append(errorBox(err));
    }
    btn.disabled = false;
  } },
  drop, input, chosen,
  h('div', { class: 'row' }, field(t('profile'), profiles), h('div', { class: 'check' }, lenient, h('label', { for: (lenient.id = id('len')) }, t('lenient')))),
  h('div', { class: 'row' }, btn, prog));
  page('upload_title', null, h('p', { class: 'lead' }, t('upload_lead')), card(null, form), status, completenessCard());
  try {
    const d = await api('GET', '/api/v1/profiles', { query: tq() });
    for (const p of d.profiles || []) profiles.append(h('option', { value: p.name }, p.name + (p.systems && p.systems.length ? '（' + p.systems.join('・') + '）' : '')));
  } catch (e) { /* the list stays "detect" */ }
}

function uploadCounts(u) {
  return h('dl', { class: 'counts' },
    h('div', {}, h('dt', {}, t('rows_total')), h('dd', { 'data-test': 'rows-total' }, numberFmt(u.rows_total))),
    h('div', { class: 'ok' }, h('dt', {}, t('rows_accepted')), h('dd', { 'data-test': 'rows-accepted' }, numberFmt(u.rows_accepted))),
    h('div', { class: u.rows_rejected ? 'bad' : '' }, h('dt', {}, t('rows_rejected')), h('dd', { 'data-test': 'rows-rejected' }, numberFmt(u.rows_rejected))),
    h('div', {}, h('dt', {}, t('rows_skipped')), h('dd', {}, numberFmt(u.rows_skipped))));
}

function uploadResult(res) {
  const b = res.body || {};
  if (res.status === 201) {
    const u = b.upload;
    const partial = u.status === 'partial';
    return h('div', { class: 'card result ' + (partial ? 'warn' : 'ok'), 'data-test': 'upload-result' },
      h('h2', {}, partial ? t('upload_partial') : t('upload_done')),
      h('p', {}, h('a', { href: '#/uploads/' + u.id }, '#' + u.id + ' ' + u.file), '　', u.profile || ''),
      uploadCounts(u),
      u.error_report ? h('p', {}, h('a', { href: u.error_report, download: '', class: 'btn ghost' }, t('error_report'))) : null,
      b.warning ? h('div', { class: 'alert warn' }, b.warning) : null);
  }
  const e = b.error || {};
  const d = e.details || {};
  const dup = d.duplicate_of;
  return h('div', { class: 'card result bad', 'data-test': 'upload-result', role: 'alert' },
    h('h2', {}, t('upload_rejected')),
    h('p', {}, dup ? t('duplicate', { id: dup }) : e.message || ('HTTP ' + res.status)),
    d.reason ? h('p', { class: 'first-error', 'data-test': 'first-error' }, h('strong', {}, t('first_error') + ': '), d.reason) : null,
    d.rows_total !== undefined ? uploadCounts({ rows_total: d.rows_total, rows_accepted: 0, rows_rejected: d.rows_rejected, rows_skipped: 0 }) : null,
    d.errors ? h('p', {}, h('a', { href: d.errors, download: '', class: 'btn ghost', 'data-test': 'error-report' }, t('error_report'))) : null);
}

async function pageUploads() {
  const q = hashQuery();
  const offset = Number(q.get('offset') || 0);
  const limit = 25;
  page('uploads_title', null, loading());
  const d = await api('GET', '/api/v1/uploads', { query: tq({ limit, offset: undefined }) }).then(async (first) => {
    // the API lists oldest first: show the newest first by paging from the end
    const total = first.total;
    const off = Math.max(0, total - offset - limit);
    const page1 = await api('GET', '/api/v1/uploads', { query: tq({ limit, offset: off }) });
    page1.uploads.reverse();
    return page1;
  });
  const rows = d.uploads.map((u) => h('tr', {},
    h('td', { class: 'num' }, h('a', { href: '#/uploads/' + u.id }, '#' + u.id)),
    h('td', {}, u.file), h('td', {}, timeFmt(u.uploaded_at)), h('td', {}, u.uploaded_by || '—'),
    h('td', {}, h('span', { class: 'badge up-' + u.status }, t('st_' + u.status))),
    h('td', { class: 'num' }, numberFmt(u.rows_accepted)), h('td', { class: 'num' }, numberFmt(u.rows_rejected)),
    h('td', { class: 'num' }, bytesFmt(u.size)), h('td', {}, u.profile || '—'),
    h('td', {}, u.time_from ? u.time_from.slice(0, 10) + ' 〜 ' + (u.time_to || '').slice(0, 10) : '—')));
  const m = page('uploads_title', null);
  if (d.in_progress && d.in_progress.length)
    m.append(card(t('in_progress'), h('ul', {}, d.in_progress.map((p) => h('li', {}, p.file + ' — ' + bytesFmt(p.bytes_received) + ' / ' + bytesFmt(p.bytes_expected) + ', ' + numberFmt(p.rows) + ' ' + t('rows_total'))))));
  m.append(card(null, table([t('detail'), t('file'), t('uploaded_at'), t('uploaded_by'), t('status'), t('rows_accepted'), t('rows_rejected'), t('size'), t('profile'), t('period_of_rows')], rows, 'uploads'),
    pager(offset, limit, d.total, (o) => setHashQuery('#/uploads', { offset: o }))));
}

function pager(offset, limit, total, go) {
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'btn ghost small', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, t('prev')),
    h('span', { class: 'muted' }, t('page_of', { a: total ? offset + 1 : 0, b: Math.min(total, offset + limit), c: total })),
    h('button', { type: 'button', class: 'btn ghost small', disabled: offset + limit >= total, onclick: () => go(offset + limit) }, t('next')));
}

// The box a table scrolls in: it takes the keyboard focus (a keyboard
// user scrolls it with the arrow keys) and is a region named by label.
function scrollBox(label, content) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, content);
}

// A table's name from its column headers: "表: 順位、スコア、重大度…".
function tableLabel(heads) {
  const words = heads.map((x) => (x instanceof Node ? x.textContent : String(x))).filter((x) => x.trim());
  return t('table_label', { cols: words.slice(0, 4).join(t('list_sep')) + (words.length > 4 ? '…' : '') });
}

function table(heads, rows, name, extraClass) {
  return scrollBox(tableLabel(heads), h('table', { class: 'data ' + (extraClass || ''), 'data-test': name },
    h('thead', {}, h('tr', {}, heads.map((x) => (x instanceof Node ? h('th', { scope: 'col' }, x) : h('th', { scope: 'col' }, x))))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: heads.length, class: 'muted empty' }, t('none'))))));
}

async function pageUpload1(uid) {
  page('uploads_title', null, loading());
  const u = await api('GET', '/api/v1/uploads/' + uid, { query: tq() });
  const msg = h('div', { 'aria-live': 'polite' });
  const del = h('button', { type: 'button', class: 'btn danger', onclick: async () => {
    if (!confirm(t('delete_confirm', { id: u.id, file: u.file }))) return;
    try {
      await api('DELETE', '/api/v1/uploads/' + u.id, { query: tq() });
      announce(t('deleted'));
      location.hash = '#/uploads';
    } catch (e) { clear(msg).append(errorBox(e)); }
  } }, t('delete'));
  page('uploads_title', null,
    h('p', {}, h('a', { href: '#/uploads' }, '← ' + t('back'))),
    card('#' + u.id + ' ' + u.file,
      h('p', {}, h('span', { class: 'badge up-' + u.status }, t('st_' + u.status)), '　', timeFmt(u.uploaded_at), '　', u.profile || '', u.encoding ? '（' + u.encoding + '）' : ''),
      uploadCounts(u),
      kv([[t('size'), bytesFmt(u.size)], [t('period_of_rows'), u.time_from ? timeFmt(u.time_from) + ' 〜 ' + timeFmt(u.time_to) : '—'], ['SHA-256', h('code', {}, u.sha256)], [t('first_error'), u.message || '—']]),
      u.error_report ? h('p', {}, h('a', { href: u.error_report, download: '', class: 'btn ghost' }, t('error_report'))) : null,
      h('div', { class: 'actions' }, del), msg));
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

// ---- cases -----------------------------------------------------------------

let cursorStack = [];

async function pageCases() {
  const q = hashQuery();
  const f = Object.fromEntries(q.entries());
  page('cases_title', null, loading());
  // A page the user has left (Stale) must not draw: only other errors are caught.
  const periods = await api('GET', '/api/v1/periods', { query: tq() }).catch((e) => { if (e instanceof Stale) throw e; return { items: [] }; });
  const query = tq({ period: f.period, entity_type: f.entity_type, entity_id: f.entity_id, system: f.system, dept: f.dept, rule: f.rule, source: f.source, min_score: f.min_score, status: f.status, cursor: f.cursor, limit: 50 });
  let d = null; let err = null;
  try { d = await api('GET', '/api/v1/anomalies', { query }); } catch (e) { if (e instanceof Stale) throw e; err = e; }

  const inputs = {};
  const mk = (k, el) => { inputs[k] = el; el.name = k; return el; };
  const periodSel = mk('period', select([['', t('latest')], ...periods.items.map((p) => [p.period, p.period.replace('..', ' 〜 ') + (p.frozen ? '（' + t('delivered') + '）' : '')])], f.period));
  const filters = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const nq = {};
    for (const [k, el] of Object.entries(inputs)) nq[k] = el.value.trim();
    cursorStack = [];
    setHashQuery('#/cases', nq);
  } },
  field(t('period'), periodSel),
  field(t('entity_type'), mk('entity_type', select([['', t('all')], ['user', t('et_user')], ['terminal', t('et_terminal')]], f.entity_type))),
  field(t('entity'), mk('entity_id', h('input', { value: f.entity_id || '', size: 10 }))),
  field(t('system'), mk('system', h('input', { value: f.system || '', size: 10 }))),
  field(t('dept'), mk('dept', h('input', { value: f.dept || '', size: 8 }))),
  field(t('rule'), mk('rule', h('input', { value: f.rule || '', size: 4, placeholder: 'R03' }))),
  field(t('source'), mk('source', select([['', t('all')], ['rule', t('src_rule')], ['model', t('src_model')]], f.source))),
  field(t('min_score'), mk('min_score', h('input', { type: 'number', min: 0, max: 100, step: 1, value: f.min_score || '', class: 'short' }))),
  field(t('triage_status'), mk('status', select([['', t('all')], ...['new', 'investigating', 'confirmed', 'false_positive'].map((x) => [x, t('ts_' + x)])], f.status))),
  h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('apply')), h('button', { type: 'button', class: 'btn ghost', onclick: () => { cursorStack = []; location.hash = '#/cases'; } }, t('reset'))));

  const m = page('cases_title', null, card(null, filters));
  if (err) { m.append(err.status === 404 ? h('div', { class: 'alert info' }, t('no_run')) : errorBox(err)); return; }

  const triager = can(CHANGERS);
  const checks = [];
  const bulkMsg = h('div', { 'aria-live': 'polite' });
  const selCount = h('span', { class: 'muted', 'data-test': 'selected' }, t('selected', { n: 0 }));
  const updateCount = () => { selCount.textContent = t('selected', { n: checks.filter((c) => c.checked).length }); };
  const rows = d.items.map((it) => {
    const cb = triager ? h('input', { type: 'checkbox', value: it.id, 'aria-label': t('select_row', { id: it.id }), onchange: updateCount }) : null;
    if (cb) checks.push(cb);
    const ent = h('a', { href: '#/entity/' + it.entity_type + '/' + encodeURIComponent(it.entity_id) + '?period=' + encodeURIComponent(d.period) }, it.entity_id);
    return h('tr', { 'data-id': it.id },
      triager ? h('td', { class: 'sel' }, cb) : null,
      h('td', { class: 'num' }, it.rank),
      h('td', {}, scoreBar(it.score)),
      h('td', {}, sevBadge(it.severity)),
      h('td', { class: 'nowrap' }, h('span', { class: 'et' }, t('et_' + it.entity_type)), ' ', ent),
      h('td', { class: 'nowrap' }, it.dept || '—'),
      h('td', { class: 'summary' }, h('a', { href: '#/case/' + it.id, 'data-test': 'case-link' }, it.summary), h('div', { class: 'sub muted' }, it.from === it.to ? it.from : it.from + ' 〜 ' + it.to + '（' + it.days + t('days') + '）', '　', (it.systems || []).join('・'))),
      h('td', {}, sourceBadges(it)),
      h('td', {}, statusBadge(it.status)));
  });
  const heads = [t('rank'), t('score'), t('severity'), t('entity_col'), t('dept'), t('summary'), t('source'), t('triage_status')];
  if (triager) {
    const all = h('input', { type: 'checkbox', 'aria-label': t('select_all'), onchange: (e) => { for (const c of checks) c.checked = e.target.checked; updateCount(); } });
    heads.unshift(all);
  }
  const head = h('div', { class: 'list-head' },
    h('p', {}, h('strong', { 'data-test': 'total' }, t('total_cases', { n: numberFmt(d.total) })), '　', t('period') + ': ' + d.period.replace('..', ' 〜 ')));
  const prev = h('button', { type: 'button', class: 'btn ghost small', disabled: !cursorStack.length, onclick: () => { const c = cursorStack.pop(); setHashQuery('#/cases', { ...f, cursor: c || '' }); } }, t('prev'));
  const next = h('button', { type: 'button', class: 'btn ghost small', disabled: !d.next_cursor, onclick: () => { cursorStack.push(f.cursor || ''); setHashQuery('#/cases', { ...f, cursor: d.next_cursor }); } }, t('next'));
  const list = card(null, head, table(heads, rows, 'cases', 'cases'), h('div', { class: 'pager' }, prev, next));
  if (triager) {
    const st = select(['investigating', 'confirmed', 'false_positive', 'new'].map((x) => [x, t('ts_' + x)]), 'investigating', { name: 'bulk-status' });
    const cm = h('input', { name: 'bulk-comment', class: 'grow', maxlength: 2000 });
    const bulk = h('form', { class: 'bulk', 'aria-label': t('bulk'), onsubmit: async (e) => {
      e.preventDefault();
      const ids = checks.filter((c) => c.checked).map((c) => c.value);
      if (!ids.length) return;
      clear(bulkMsg);
      // One request for all: recorded together or not at all.
      try {
        const r = await api('POST', '/api/v1/anomalies/triage', { query: tq(), body: { ids, status: st.value, comment: cm.value || null } });
        announce(t('bulk_done', { n: r.count }));
        await pageCases();
        main().prepend(h('div', { class: 'alert ok', role: 'status' }, t('bulk_done', { n: r.count })));
      } catch (err2) {
        const items = err2 instanceof ApiError && err2.details && Array.isArray(err2.details.items) ? err2.details.items : [];
        if (!items.length) { bulkMsg.append(errorBox(err2)); return; }
        bulkMsg.append(h('div', { class: 'alert error', role: 'alert', 'data-test': 'bulk-error' }, t('bulk_failed', { n: items.length }),
          h('ul', {}, items.map((x) => h('li', {}, h('code', {}, x.id), ' ', x.reason)))));
      }
    } }, h('strong', {}, t('bulk')), selCount, field(t('triage_status'), st), field(t('comment'), cm), h('button', { type: 'submit', class: 'btn primary' }, t('bulk_apply')));
    list.prepend(bulk, bulkMsg);
  }
  m.append(list);
  if (d.notes && d.notes.length) m.append(card(t('notes'), h('ul', { class: 'notes' }, d.notes.map((n) => h('li', {}, n)))));
}

// ---- one case --------------------------------------------------------------

// An explanation's key in the UI's language (i18n ex_KEY), else the key.
// The words for a key when the dictionaries have it, else the value as sent.
function wordOr(key, value) { return has(key) ? t(key) : value; }
function exKey(k) { return has('ex_' + k) ? t('ex_' + k) : k; }

// A feature of a model's explanation: its Japanese label, or in English
// the feature's key (docs/features.md).
function featureName(x) { return getLang() === 'en' || !x.label ? x.feature : x.label; }

// An explanation's value: yes/no, lists joined, times and coded words in
// the UI's language, nested objects as their own key-value list.
function exValue(k, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (typeof v === 'number') return numberFmt(v, Number.isInteger(v) ? undefined : Math.abs(v) < 1 ? 4 : 2);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : exValue(k, x))).join('・');
  if (typeof v === 'object') return exKv(Object.entries(v));
  if (/^\d{4}-\d\d-\d\dT\d\d:/.test(v)) return timeFmt(v);
  if (k === 'hours_from' && v === 'dept') return t('exv_dept_hours');
  if (['level', 'hours_from', 'kind'].includes(k) && has('exv_' + v)) return t('exv_' + v);
  return v;
}

function exKv(entries) { return kv(entries.map(([k, v]) => [exKey(k), exValue(k, v)])); }

async function pageCase(cid) {
  page('case_title', { id: cid }, loading());
  const [it, hist] = await Promise.all([
    api('GET', '/api/v1/anomalies/' + cid, { query: tq() }),
    api('GET', '/api/v1/anomalies/' + cid + '/history', { query: tq() }),
  ]);
  const ex = it.explanation || {};
  const m = page('case_title', { id: cid });
  m.append(h('p', {}, h('a', { href: '#/cases' }, '← ' + t('cases_title'))));
  m.append(h('section', { class: 'card case-head' },
    h('div', { class: 'case-score' }, scoreBar(it.score), sevBadge(it.severity), sourceBadges(it), statusBadge(it.status)),
    h('p', { class: 'case-summary', 'data-test': 'case-summary' }, it.summary),
    kv([[t('entity_col'), [t('et_' + it.entity_type), ' ', h('a', { href: '#/entity/' + it.entity_type + '/' + encodeURIComponent(it.entity_id) + '?period=' + encodeURIComponent(it.from + '..' + it.to), 'data-test': 'entity-link' }, it.entity_id)]],
      [t('dept'), it.dept || '—'], [t('period'), it.from === it.to ? it.from : it.from + ' 〜 ' + it.to + '（' + it.days + t('days') + '）'],
      [t('system'), (it.systems || []).join('・') || '—']])));

  // explanation
  const exBody = [];
  if (ex.source === 'model') {
    exBody.push(h('p', { class: 'muted' }, t('model_note')));
    const skip = new Set(['source', 'evidence', 'evidence_total', 'evidence_shown', 'case', 'findings', 'top_features', 'note']);
    exBody.push(exKv(Object.entries(ex).filter(([k]) => !skip.has(k))));
    if (ex.top_features && ex.top_features.length) {
      // The columns the features have: value first, then what they are compared with.
      const cols = [];
      for (const x of ex.top_features) for (const k of Object.keys(x)) if (!['feature', 'label', 'value'].includes(k) && !cols.includes(k)) cols.push(k);
      exBody.push(table([t('feature'), t('value'), ...cols.map(exKey)], ex.top_features.map((x) => h('tr', {},
        h('td', {}, featureName(x)), h('td', { class: 'num' }, numberFmt(x.value, 0)),
        ...cols.map((k) => h('td', { class: 'num' }, exValue(k, x[k]))))), 'features'));
    }
    if (ex.note) exBody.push(h('p', { class: 'muted small' }, ex.note));
  } else {
    exBody.push(h('p', { class: 'muted' }, t('rule_note')));
    const pairs = [[t('rule'), h('span', { class: 'badge rule' }, ex.rule_id || it.rule_id)]];
    if (ex.value !== undefined) pairs.push([t('value'), numberFmt(ex.value) + (ex.unit || '')]);
    if (ex.threshold !== undefined) pairs.push([t('threshold'), numberFmt(ex.threshold) + (ex.unit || '')]);
    if (ex.model_score) pairs.push([t('src_model') + ' ' + t('score'), numberFmt(ex.model_score, 1)]);
    if (ex.context) pairs.push([exKey('context'), ex.context]);
    for (const [k, v] of Object.entries(ex.detail || {})) pairs.push([exKey(k), exValue(k, v)]);
    exBody.push(kv(pairs));
  }
  m.append(card(t('explanation'), ...exBody));
  m.append(card(t('chart_case'), chartImg('/api/v1/anomalies/' + cid + '/chart.svg', {}, t('chart_case_alt', { id: cid }), 'case-chart')));

  // findings
  m.append(card(t('findings'), table([t('source'), t('severity'), t('score'), t('period'), t('summary')], (it.findings || []).map((x) => h('tr', {},
    h('td', {}, x.source === 'rule' ? h('span', { class: 'badge rule' }, x.rule_id) : h('span', { class: 'badge model' }, t('src_model'))),
    h('td', {}, x.severity ? sevBadge(x.severity) : '—'), h('td', {}, scoreBar(x.score)),
    h('td', { class: 'nowrap' }, x.day_from === x.day_to ? x.day_from : x.day_from + ' 〜 ' + x.day_to),
    h('td', {}, x.summary))), 'findings')));

  // triage
  if (can(CHANGERS)) m.append(triageCard(it, cid));
  m.append(card(t('history'), hist.items.length
    ? h('ol', { class: 'history', 'data-test': 'history' }, hist.items.map((x) => h('li', {}, statusBadge(x.status), ' ', timeFmt(x.decided_at), ' ', h('span', { class: 'muted' }, (x.decided_by || '') + (x.role ? '（' + t('role_' + x.role) + '）' : '')), x.comment ? h('p', {}, x.comment) : null)))
    : h('p', { class: 'muted' }, t('no_history'))));

  // evidence
  const evCard = card(t('evidence'));
  m.append(evCard);
  const showEvidence = async (offset) => {
    const ev = await api('GET', '/api/v1/anomalies/' + cid + '/evidence', { query: tq({ offset, limit: 25 }) });
    clear(evCard).append(h('h2', {}, t('evidence')),
      table([t('time'), t('system'), t('user_col'), t('terminal'), t('operation'), t('function'), t('result'), t('resident'), t('file_col')], ev.rows.map((r) => h('tr', {},
        h('td', { class: 'nowrap' }, timeFmt(r.time)), h('td', {}, r.system), h('td', {}, r.user || '—'), h('td', {}, r.terminal || '—'),
        h('td', {}, r.operation ? wordOr('op_' + r.operation, r.operation) : '—'), h('td', {}, r.function || '—'),
        h('td', {}, r.result ? wordOr('res_' + r.result, r.result) : '—'),
        h('td', {}, r.resident ? h('code', { title: r.resident }, r.resident.slice(0, 10) + '…') : '—'),
        h('td', { class: 'nowrap' }, r.file + ':' + r.record))), 'evidence'),
      pager(offset, 25, ev.count, showEvidence));
  };
  await showEvidence(0);
}

function triageCard(it, cid) {
  const msg = h('div', { 'aria-live': 'polite' });
  const st = select(['new', 'investigating', 'confirmed', 'false_positive'].map((x) => [x, t('ts_' + x)]), it.status, { name: 'triage-status' });
  const cm = h('textarea', { name: 'triage-comment', rows: 2, maxlength: 2000 });
  const form = h('form', { class: 'triage', onsubmit: async (e) => {
    e.preventDefault();
    clear(msg);
    try {
      await api('POST', '/api/v1/anomalies/' + cid + '/triage', { query: tq(), body: { status: st.value, comment: cm.value || null } });
      announce(t('triage_saved'));
      await pageCase(cid);
      main().prepend(h('div', { class: 'alert ok', role: 'status', 'data-test': 'triage-saved' }, t('triage_saved')));
    } catch (err) { msg.append(errorBox(err)); }
  } }, h('div', { class: 'row' }, field(t('triage_status'), st), field(t('comment'), cm), h('button', { type: 'submit', class: 'btn primary' }, t('record'))));
  const reason = h('input', { name: 'suppress-reason', class: 'grow', required: true, maxlength: 500 });
  // a suppression always ends: 90 days from today unless changed
  const until = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
  const expires = h('input', { name: 'suppress-expires', type: 'date', required: true, value: until });
  const sup = h('form', { class: 'suppress', onsubmit: async (e) => {
    e.preventDefault();
    clear(msg);
    try {
      await api('POST', '/api/v1/anomalies/' + cid + '/suppress', { query: tq(), body: { reason: reason.value, expires: expires.value } });
      msg.append(h('div', { class: 'alert ok', role: 'status', 'data-test': 'suppressed' }, t('suppressed')));
    } catch (err) { msg.append(errorBox(err)); }
  } }, h('h3', {}, t('suppress')),
  it.status === 'false_positive'
    ? h('div', { class: 'row' }, field(t('suppress_reason'), reason), field(t('suppress_expires'), expires), h('button', { type: 'submit', class: 'btn ghost' }, t('suppress')))
    : h('p', { class: 'muted' }, t('suppress_needs_fp')));
  return card(t('triage'), form, sup, msg);
}

// ---- entity ----------------------------------------------------------------

// A chart the service draws (SVG, api/svg.c: the reports' chart code) as an
// image: path with the tenant and the UI's language; alt says what it shows.
function chartImg(path, query, alt, name) {
  const img = h('img', { class: 'chart', src: path + tenantQuery({ ...query, lang: getLang() === 'en' ? 'en' : 'ja' }), alt, 'data-test': name });
  img.addEventListener('error', () => img.replaceWith(h('p', { class: 'muted', 'data-test': name + '-failed' }, alt + ' — ' + t('chart_failed'))));
  return img;
}

async function pageEntity(type, eid) {
  const q = hashQuery();
  let period = q.get('period');
  const titleKey = type === 'terminal' ? 'entity_title_terminal' : 'entity_title';
  page(titleKey, { id: eid }, loading());
  const periods = await api('GET', '/api/v1/periods', { query: tq() }).then((p) => p.items.filter((x) => x.runs > 0).map((x) => x.period)).catch((e) => { if (e instanceof Stale) throw e; return []; });
  if (!period) period = periods.length ? periods[0] : null;
  const d = await api('GET', '/api/v1/entities/' + type + '/' + encodeURIComponent(eid), { query: tq({ period }) });
  const m = page(titleKey, { id: eid });
  const ms = d.master || {};
  const facts = [[t('dept'), d.dept || '—']];
  if (type === 'terminal') facts.push([t('terminal_kind'), ms.kind ? t('exv_' + ms.kind) : '—'], [t('registered'), ms.registered ? t('yes') + (ms.registered_on ? '（' + ms.registered_on + '）' : '') : t('no')]);
  else facts.push([t('section'), ms.section || '—'], [t('master_status'), ms.status ? (has('exv_' + ms.status) ? t('exv_' + ms.status) : ms.status) : '—']);
  facts.push([t('period'), d.period.replace('..', ' 〜 ')], [t('baseline_period'), (d.baseline || '').replace('..', ' 〜 ')], [t('active_days'), numberFmt(d.active_days)]);
  const base = '/api/v1/entities/' + type + '/' + encodeURIComponent(eid) + '/charts/';
  const pl = d.period.replace('..', ' 〜 ');
  m.append(card(t('period'), periodChooser(periods, d.period, (p) => setHashQuery('#/entity/' + type + '/' + encodeURIComponent(eid), { period: p }))));
  m.append(card(null, kv(facts)));
  m.append(card(t('chart_daily'), chartImg(base + 'daily.svg', { period: d.period }, t('chart_daily_alt', { id: eid, p: pl }), 'chart-daily')));
  m.append(h('div', { class: 'grid2' }, card(t('chart_hours'), chartImg(base + 'hours.svg', { period: d.period }, t('chart_hours_alt', { id: eid, p: pl }), 'chart-hours')),
    card(t('chart_systems'), chartImg(base + 'systems.svg', { period: d.period }, t('chart_systems_alt', { id: eid, p: pl }), 'chart-systems'),
      table([t('system'), t('events')], (d.systems || []).map((x) => h('tr', {}, h('td', {}, x.name), h('td', { class: 'num' }, numberFmt(x.events)))), 'systems'))));
  m.append(card(t(type === 'terminal' ? 'cases_of_terminal' : 'cases_of'), table([t('score'), t('severity'), t('summary'), t('triage_status')], (d.cases || []).map((c) => h('tr', {},
    h('td', {}, scoreBar(c.score)), h('td', {}, sevBadge(c.severity)), h('td', {}, h('a', { href: '#/case/' + c.id }, c.summary)), h('td', {}, statusBadge(c.status)))), 'entity-cases')));
}

// ---- tuning ----------------------------------------------------------------

async function pageTuning() {
  page('tuning_title', null, loading());
  const [rules, bs] = await Promise.all([api('GET', '/api/v1/rules', { query: tq() }), api('GET', '/api/v1/settings/baseline', { query: tq() }).catch(() => null)]);
  const editor = h('div', { id: 'rule-editor' });
  const changer = can(CHANGERS);
  const rows = rules.rules.map((r) => h('tr', { 'data-rule': r.id },
    h('td', {}, h('span', { class: 'badge rule' }, r.id)),
    h('td', {}, getLang() === 'en' ? r.name_en : r.name_ja, h('div', { class: 'sub muted' }, r.description)),
    h('td', {}, sevBadge(r.severity)),
    h('td', {}, r.enabled ? t('yes') : t('no')),
    h('td', { class: 'params' }, r.params.map((p) => h('div', {}, h('span', { class: p.changed ? 'changed' : '' }, p.name + ' = ' + numberFmt(p.value) + (p.unit ? ' ' + p.unit : ''))))),
    h('td', {}, h('button', { type: 'button', class: 'btn ghost small', 'data-test': 'edit-' + r.id, onclick: () => { showRuleEditor(editor, r, changer); editor.scrollIntoView({ block: 'start' }); } }, changer ? t('edit') : t('detail')))));
  const m = page('tuning_title', null);
  if (!changer) m.append(h('div', { class: 'alert info' }, t('read_only')));
  m.append(editor, card(t('rules_in_force'), table([t('rule'), t('summary'), t('severity'), t('enabled'), t('params'), ''], rows, 'rules')));
  if (bs) m.append(baselineCard(bs, changer));
}

// The baseline settings (GET/PUT/DELETE /api/v1/settings/baseline): one
// field per setting with its range and default; a refused value's 422
// names the setting ($.NAME), and its reason is shown under that field.
function baselineCard(bs, changer) {
  const msg = h('div', { 'aria-live': 'polite', 'data-test': 'baseline-result' });
  const inputs = {};
  const errs = {};
  const version = h('p', { class: 'muted', 'data-test': 'baseline-version' }, bs.version
    ? t('bs_version', { v: bs.version, at: timeFmt(bs.changed_at), by: bs.changed_by || '—' })
    : t('bs_default_version'));
  const rows = bs.settings.map((x) => {
    const inp = h('input', { type: 'number', name: 'bs-' + x.name, value: x.value, min: x.min, max: x.max, step: x.integer ? 1 : 'any', disabled: !changer, class: 'short' + (x.changed ? ' changed' : ''), 'aria-describedby': null });
    const err = h('small', { class: 'field-error', role: 'alert', 'data-test': 'error-' + x.name, id: id('err') });
    inp.setAttribute('aria-describedby', err.id);
    inputs[x.name] = [inp, x];
    errs[x.name] = err;
    return h('tr', { 'data-setting': x.name },
      h('td', {}, h('label', { for: (inp.id = id('bs')) }, h('code', {}, x.name))),
      h('td', { class: 'num' }, inp, err),
      h('td', { class: 'num' }, numberFmt(x.default)),
      h('td', { class: 'nowrap' }, numberFmt(x.min) + '〜' + numberFmt(x.max) + ' ' + (x.unit || '')),
      h('td', {}, x.description));
  });
  const clearErrors = () => { for (const e of Object.values(errs)) e.textContent = ''; for (const [inp] of Object.values(inputs)) inp.removeAttribute('aria-invalid'); };
  const showError = (name, text) => {
    if (!errs[name]) return false;
    errs[name].textContent = text;
    inputs[name][0].setAttribute('aria-invalid', 'true');
    inputs[name][0].focus();
    return true;
  };
  const save = async (e) => {
    e.preventDefault();
    clear(msg);
    clearErrors();
    const body = {};
    for (const [name, [inp, x]] of Object.entries(inputs)) {
      if (inp.value.trim() === '' || Number(inp.value) === x.value) continue;
      body[name] = Number(inp.value);
    }
    if (!Object.keys(body).length) { msg.append(h('div', { class: 'alert info', role: 'status' }, t('bs_nothing'))); return; }
    try {
      const d = await api('PUT', '/api/v1/settings/baseline', { query: tq(), body });
      announce(t('bs_saved', { v: d.stored_version }));
      await pageTuning();
      main().prepend(h('div', { class: 'alert ok', role: 'status', 'data-test': 'baseline-saved' }, t('bs_saved', { v: d.stored_version })));
    } catch (err) {
      const det = err instanceof ApiError && err.details ? err.details : {};
      const name = typeof det.parameter === 'string' ? det.parameter.replace(/^\$\./, '') : '';
      const x = inputs[name] ? inputs[name][1] : null;
      const words = x ? t('bs_range_error', { min: numberFmt(x.min), max: numberFmt(x.max) }) + '（' + det.reason + '）' : det.reason;
      if (!(name && det.reason && showError(name, words))) msg.append(errorBox(err));
    }
  };
  const reset = async () => {
    if (!confirm(t('bs_reset_confirm'))) return;
    clear(msg);
    try {
      const d = await api('DELETE', '/api/v1/settings/baseline', { query: tq() });
      await pageTuning();
      main().prepend(h('div', { class: 'alert ok', role: 'status' }, t('bs_saved', { v: d.stored_version })));
    } catch (err) { msg.append(errorBox(err)); }
  };
  const form = h('form', { class: 'baseline-form', novalidate: true, onsubmit: save },
    table([t('setting'), t('value'), t('default'), t('range'), t('summary')], rows, 'baseline'),
    changer ? h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-test': 'baseline-save' }, t('bs_save')),
      h('button', { type: 'button', class: 'btn ghost', onclick: reset }, t('bs_reset'))) : null, msg);
  return card(t('baseline_settings'), version, form);
}

function showRuleEditor(box, r, changer) {
  const inputs = {};
  const msg = h('div', { 'aria-live': 'polite', 'data-test': 'preview-result' });
  const en = h('input', { type: 'checkbox', checked: r.enabled, disabled: !changer });
  const fields = r.params.map((p) => {
    const inp = h('input', { type: 'number', name: p.name, value: p.value, min: p.min, max: p.max, step: p.type === 'integer' ? 1 : 'any', disabled: !changer, class: 'short' });
    inputs[p.name] = [inp, p];
    return field(p.name + (p.unit ? '（' + p.unit + '）' : ''), inp, p.description + ' ' + t('range') + ' ' + numberFmt(p.min) + '〜' + numberFmt(p.max) + '、' + t('default') + ' ' + numberFmt(p.default));
  });
  const change = () => {
    const params = {};
    for (const [k, [inp, p]] of Object.entries(inputs)) if (Number(inp.value) !== p.value) params[k] = Number(inp.value);
    const c = {};
    if (Object.keys(params).length) c.params = params;
    if (en.checked !== r.enabled) c.enabled = en.checked;
    return c;
  };
  const prevBtn = h('button', { type: 'button', class: 'btn primary', 'data-test': 'preview', onclick: async () => {
    clear(msg).append(h('p', { class: 'muted', role: 'status' }, t('previewing')));
    prevBtn.disabled = true;
    try {
      const p = await api('POST', '/api/v1/preview', { query: tq(), body: { rules: { [r.id]: change() } } });
      clear(msg).append(h('h3', {}, t('preview_result')), ...p.periods.map((x) => h('div', { class: 'preview' },
        h('p', {}, h('strong', {}, x.period.replace('..', ' 〜 ')), '　',
          h('span', { 'data-test': 'preview-findings' }, t('findings_before_after', { a: x.findings.before, b: x.findings.after })), '　',
          h('span', { 'data-test': 'preview-cases' }, t('cases_before_after', { a: x.cases.before, b: x.cases.after }))),
        x.added.length ? h('details', {}, h('summary', {}, t('added') + '（' + x.added.length + '）'), h('ul', {}, x.added.slice(0, 50).map((c) => h('li', {}, c.summary || JSON.stringify(c))))) : null,
        x.removed.length ? h('details', {}, h('summary', {}, t('removed') + '（' + x.removed.length + '）'), h('ul', {}, x.removed.slice(0, 50).map((c) => h('li', {}, c.summary || JSON.stringify(c))))) : null)));
      announce(t('preview_result'));
    } catch (e) { clear(msg).append(errorBox(e)); }
    prevBtn.disabled = false;
  } }, t('preview'));
  const applyBtn = h('button', { type: 'button', class: 'btn ghost', onclick: async () => {
    try {
      const d = await api('PUT', '/api/v1/rules/' + r.id, { query: tq(), body: change() });
      announce(t('rule_saved', { id: r.id, v: d.stored_version }));
      await pageTuning();
      main().prepend(h('div', { class: 'alert ok', role: 'status' }, t('rule_saved', { id: r.id, v: d.stored_version })));
    } catch (e) { clear(msg).append(errorBox(e)); }
  } }, t('apply_rule'));
  clear(box).append(card(r.id + ' ' + (getLang() === 'en' ? r.name_en : r.name_ja),
    h('p', { class: 'muted' }, r.description),
    h('div', { class: 'check' }, en, h('label', { for: (en.id = id('en')) }, t('enabled'))),
    h('div', { class: 'param-grid' }, fields),
    changer ? h('div', { class: 'actions' }, prevBtn, applyBtn) : null, msg));
}

// ---- analyses and periods --------------------------------------------------

async function pageAnalyses() {
  page('analyses_title', null, loading());
  const [jobs, periods] = await Promise.all([api('GET', '/api/v1/analyses', { query: tq() }), api('GET', '/api/v1/periods', { query: tq() })]);
  const msg = h('div', { 'aria-live': 'polite' });
  const changer = can(CHANGERS);
  const m = page('analyses_title', null);
  if (changer) {
    const from = h('input', { type: 'date', name: 'from', required: true });
    const to = h('input', { type: 'date', name: 'to', required: true });
    m.append(card(t('start_analysis'), h('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      clear(msg);
      try {
        const j = await api('POST', '/api/v1/analyses', { query: tq(), body: { period: from.value + '..' + to.value } });
        announce(t('started', { id: j.id }));
        await pageAnalyses();
      } catch (err) { msg.append(errorBox(err)); }
    } }, field(t('from'), from), field(t('to'), to), h('button', { type: 'submit', class: 'btn primary' }, t('start_analysis'))), msg));
  }
  const running = jobs.jobs.some((j) => j.state === 'queued' || j.state === 'running');
  m.append(card(t('jobs'), table(['#', t('period'), t('state'), t('stage'), t('progress'), t('started_by'), t('cases_n'), ''], jobs.jobs.map((j) => {
    const p = h('progress', { max: 100, value: Math.round(j.progress * 100), 'aria-label': t('progress') + ' #' + j.id });
    return h('tr', {}, h('td', { class: 'num' }, j.id), h('td', {}, j.period), h('td', {}, h('span', { class: 'badge job-' + j.state }, t('job_' + j.state))),
      h('td', {}, j.stage || '—'), h('td', {}, p, ' ', Math.round(j.progress * 100) + '%'), h('td', {}, j.started_by),
      h('td', { class: 'num' }, j.summary ? numberFmt(j.summary.cases) : j.error || '—'),
      h('td', {}, changer && (j.state === 'queued' || j.state === 'running') ? h('button', { type: 'button', class: 'btn ghost small', onclick: async () => {
        try { await api('DELETE', '/api/v1/analyses/' + j.id, { query: tq() }); await pageAnalyses(); } catch (err) { main().append(errorBox(err)); }
      } }, t('cancel_job')) : null));
  }), 'jobs')));
  m.append(card(t('periods'), table([t('period'), t('status'), t('runs'), t('cases_n'), t('delivered'), ''], periods.items.map((p) => h('tr', {},
    h('td', {}, h('a', { href: '#/cases?period=' + encodeURIComponent(p.period) }, p.period.replace('..', ' 〜 '))), h('td', {}, h('span', { class: 'badge ps-' + p.status }, t('ps_' + p.status) === 'ps_' + p.status ? p.status : t('ps_' + p.status))), h('td', { class: 'num' }, p.runs),
    h('td', { class: 'num' }, p.latest_run ? numberFmt(p.latest_run.cases) : '—'), h('td', {}, p.delivered_at ? timeFmt(p.delivered_at) + ' ' + (p.delivered_by || '') : '—'),
    h('td', {}, changer && !p.frozen ? h('button', { type: 'button', class: 'btn ghost small', onclick: async () => {
      if (!confirm(t('deliver_confirm', { p: p.period }))) return;
      try { await api('POST', '/api/v1/periods/' + encodeURIComponent(p.period) + '/deliver', { query: tq(), body: {} }); announce(t('delivered_ok', { p: p.period })); await pageAnalyses(); } catch (err) { msg.append(errorBox(err)); }
    } }, t('deliver')) : null))), 'periods')));
  const analysed = periods.items.filter((p) => p.runs > 0).map((p) => p.period.split('..')[1]).sort();
  if (analysed.length) {
    // Twelve months up to the newest analysed period's end, as the report's chapter 6.
    const to = analysed[analysed.length - 1];
    const f = new Date(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)) - 12, 1)).toISOString().slice(0, 10);
    m.append(card(t('chart_trends'), chartImg('/api/v1/trends/chart.svg', { from: f, to, by: 'month,severity' }, t('chart_trends_alt', { p: f + ' 〜 ' + to }), 'chart-trends')));
  }
  if (running) setTimeout(() => { if (hashPath() === '#/analyses') pageAnalyses().catch(() => {}); }, 2000);
}

// ---- audit -----------------------------------------------------------------

async function pageAudit() {
  const q = hashQuery();
  const f = Object.fromEntries(q.entries());
  page('audit_title', null, loading());
  const d = await api('GET', '/api/v1/audit', { query: tq({ order: 'desc', limit: 50, actor: f.actor, action: f.action, before: f.before }) });
  const actor = h('input', { name: 'actor', value: f.actor || '' });
  const action = h('input', { name: 'action', value: f.action || '', placeholder: 'POST /api/v1/session' });
  const m = page('audit_title', null, card(null, h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); setHashQuery('#/audit', { actor: actor.value.trim(), action: action.value.trim() }); } },
    field(t('actor'), actor), field(t('action'), action), h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('apply'))))));
  m.append(card(null, table(['#', t('time'), t('actor'), t('role'), t('address'), t('action'), t('target'), t('outcome'), t('detail')], d.items.map((x) => h('tr', {},
    h('td', { class: 'num' }, x.id), h('td', { class: 'nowrap' }, timeFmt(x.time)), h('td', {}, x.actor), h('td', {}, ['uploader', 'analyst', 'reporter', 'admin'].includes(x.role) ? t('role_' + x.role) : x.role || '—'), h('td', {}, x.address || '—'),
    h('td', {}, h('code', {}, x.action)), h('td', {}, x.target || '—'), h('td', {}, h('span', { class: 'badge out-' + x.outcome }, t('out_' + x.outcome))), h('td', {}, x.detail || '—'))), 'audit'),
  d.next ? h('div', { class: 'pager' }, h('button', { type: 'button', class: 'btn ghost small', onclick: () => setHashQuery('#/audit', { ...f, before: d.next }) }, t('older'))) : null));
}

// ---- accounts --------------------------------------------------------------

// The accounts an admin manages (an admin of one tenant: that tenant's):
// add one, disable or enable it, set a new password. The server decides
// what is allowed and says why not; its message is shown next to the form.
const ROLES = ['uploader', 'analyst', 'reporter', 'admin'];

async function pageAccounts() {
  page('accounts_title', null, loading());
  const d = await api('GET', '/api/v1/accounts');
  const addMsg = h('div', { 'aria-live': 'polite', 'data-test': 'account-add-msg' });
  const name = h('input', { name: 'name', required: true, maxlength: 64, pattern: '[a-z0-9._\\-]{1,64}', autocomplete: 'off', 'data-test': 'account-name' });
  const role = select(ROLES.map((r) => [r, t('role_' + r)]), 'reporter', { name: 'role', 'data-test': 'account-role' });
  const pw = h('input', { name: 'password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password', 'data-test': 'account-password' });
  const chosen = me.tenant ? null : localStorage.getItem('tenken.tenant');
  const form = h('form', { class: 'filters', 'data-test': 'account-add', onsubmit: async (e) => {
    e.preventDefault();
    clear(addMsg);
    const body = { name: name.value.trim(), role: role.value, password: pw.value };
    if (chosen) body.tenant = chosen;
    try {
      await api('POST', '/api/v1/accounts', { body });
      pw.value = '';
      announce(t('account_added', { n: body.name }));
      await pageAccounts();
    } catch (err) { pw.value = ''; addMsg.append(errorBox(err)); }
  } },
  field(t('account_name'), name, t('account_name_rule')), field(t('role'), role), field(t('password'), pw, t('password_rule')),
  h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('account_add'))));
  const rows = d.items.map((a) => {
    const msg = h('div', { 'aria-live': 'polite' });
    const cell = h('td', { class: 'actions-cell' });
    const toggle = h('button', { type: 'button', class: 'btn ghost small', 'data-test': a.disabled ? 'account-enable' : 'account-disable', disabled: a.name === me.name && !a.disabled, onclick: async () => {
      clear(msg);
      try {
        await api('POST', '/api/v1/accounts/' + encodeURIComponent(a.name) + (a.disabled ? '/enable' : '/disable'), { body: {} });
        announce(t(a.disabled ? 'account_enabled' : 'account_disabled', { n: a.name }));
        await pageAccounts();
      } catch (err) { msg.append(errorBox(err)); }
    } }, t(a.disabled ? 'account_enable' : 'account_disable'));
    const reset = h('button', { type: 'button', class: 'btn ghost small', 'data-test': 'account-reset', onclick: () => {
      const npw = h('input', { type: 'password', minlength: 12, required: true, autocomplete: 'new-password', 'aria-label': t('new_password') + ' ' + a.name });
      const f = h('form', { class: 'inline-form', onsubmit: async (e) => {
        e.preventDefault();
        clear(msg);
        try {
          await api('PUT', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/password', { body: { password: npw.value } });
          npw.value = '';
          f.remove();
          reset.hidden = false;
          msg.append(h('div', { class: 'alert info', role: 'status' }, t('password_set', { n: a.name })));
        } catch (err) { npw.value = ''; msg.append(errorBox(err)); }
      } }, npw, h('button', { type: 'submit', class: 'btn primary small' }, t('save')),
      h('button', { type: 'button', class: 'btn ghost small', onclick: () => { f.remove(); reset.hidden = false; clear(msg); } }, t('cancel')));
      reset.hidden = true;
      cell.insertBefore(f, msg);
      npw.focus();
    } }, t('password_reset'));
    cell.append(toggle, ' ', reset, msg);
    return h('tr', { 'data-account': a.name },
      h('td', {}, a.name), h('td', {}, h('span', { class: 'badge role role-' + a.role }, t('role_' + a.role))),
      h('td', {}, a.tenant || t('account_global')),
      h('td', {}, h('span', { class: 'badge ' + (a.disabled ? 'acc-disabled' : 'acc-active'), 'data-test': 'account-state' }, t(a.disabled ? 'account_state_disabled' : 'account_state_active')),
        a.locked_until ? h('span', { class: 'muted' }, ' ' + t('account_locked', { at: timeFmt(a.locked_until) })) : null),
      h('td', { class: 'nowrap' }, timeFmt(a.created_at), ' ', h('span', { class: 'muted' }, a.created_by)),
      cell);
  });
  page('accounts_title', null,
    card(t('account_add'), form, addMsg),
    card(null, table([t('account_name'), t('role'), t('tenant'), t('account_state'), t('account_created'), ''], rows, 'accounts')));
}

// ---- reports, the city's confirmations, completeness ------------------------

// The two-month period of the contract that holds today (Feb–Mar, Apr–May,
// …, Dec–Jan), as FROM..TO.
function currentPeriod() {
  const now = new Date(Date.now() + 9 * 3600 * 1000); // JST
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth(); // 0-based; a period starts in an odd one (Feb = 1)
  if (m % 2 === 0) { m -= 1; if (m < 0) { m = 11; y -= 1; } }
  const from = new Date(Date.UTC(y, m, 1));
  const to = new Date(Date.UTC(y, m + 2, 0));
  return from.toISOString().slice(0, 10) + '..' + to.toISOString().slice(0, 10);
}

// The periods a page offers: the analysed ones (readers), else the newest
// run's (the city's uploader, through its confirmations); newest first.
async function knownPeriods() {
  if (can(READERS)) {
    const d = await api('GET', '/api/v1/periods', { query: tq() });
    return d.items.filter((p) => p.runs > 0).map((p) => p.period).sort().reverse();
  }
  try {
    const d = await api('GET', '/api/v1/confirmations', { query: tq() });
    return [d.period];
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

// A form choosing a period: a list of known ones and two dates for any
// other; onPick(period) when applied.
function periodChooser(periods, current, onPick) {
  const [f0, t0] = (current || '..').split('..');
  const from = h('input', { type: 'date', name: 'from', value: f0 || '' });
  const to = h('input', { type: 'date', name: 'to', value: t0 || '' });
  const list = periods.length ? select(periods.map((p) => [p, p.replace('..', ' 〜 ')]), current, { name: 'period', 'data-test': 'period-select', onchange: (e) => onPick(e.target.value) }) : null;
  return h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); if (from.value && to.value) onPick(from.value + '..' + to.value); } },
    list ? field(t('period'), list) : null, field(t('from'), from), field(t('to'), to),
    h('button', { type: 'submit', class: 'btn ghost' }, t('apply')));
}

function tenantQuery(extra) {
  const q = new URLSearchParams(Object.entries(tq(extra)).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const s = q.toString();
  return s ? '?' + s : '';
}

// The fiscal years the reports page offers: next year (its plan is written
// before it starts) down to eight years back, and fy if older.
function fiscalYears(fy) {
  const now = fiscalYearOf(new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10));
  const years = [];
  for (let y = now + 1; y >= now - 8 && y >= 2000; y--) years.push(y);
  if (!years.includes(fy)) years.push(fy);
  return years.sort((a, b) => b - a);
}

// The 年次報告会 card of the reports page: links to the review (HTML, PDF,
// Excel) and the minutes template of the page's fiscal year, and the
// record of its meeting. follow(fn) calls fn(year) whenever the page's
// one fiscal-year chooser changes.
function annualCard(lang, follow) {
  const links = [
    ['annual_html', '', { lang }, 'annual-html', null],
    ['annual_pdf', '', { format: 'pdf', lang }, 'annual-pdf', 'annual'],
    ['annual_xlsx', '', { format: 'xlsx', lang }, 'annual-xlsx', 'annual'],
    ['minutes_html', '/minutes', { lang }, 'minutes-html', null],
    ['minutes_pdf', '/minutes', { format: 'pdf', lang }, 'minutes-pdf', 'minutes'],
  ].map(([key, tail, q, test, file]) => {
    const a = h('a', { class: key === 'annual_html' ? 'btn primary' : 'btn', 'data-test': test }, t(key));
    if (file) a.setAttribute('download', ''); else { a.target = '_blank'; a.rel = 'noopener'; }
    return { a, tail, q, file };
  });
  follow((y) => {
    for (const l of links) {
      l.a.href = '/api/v1/reports/annual/' + y + l.tail + tenantQuery(l.q);
      if (l.file) l.a.setAttribute('download', 'tenken-' + l.file + '-' + y + '.' + (l.q.format || 'html'));
    }
  });
  return h('section', { class: 'card', 'data-test': 'annual' }, h('h2', {}, t('annual_title')),
    h('p', { class: 'muted' }, t('annual_lead')),
    h('div', { class: 'row actions' }, links.map((l) => l.a)), meetingPart(follow));
}

// The record of the year's 報告会 (date, place, attendees), which the
// minutes and the completion report print: a form for a reporter or an
// admin, read-only for the other roles.
function meetingPart(follow) {
  const box = h('div', { class: 'meeting', 'data-test': 'meeting' });
  let year = 0;
  follow(async (y) => {
    year = y;
    clear(box).append(loading());
    let m = null;
    try {
      m = await api('GET', '/api/v1/reports/annual/' + y + '/meeting', { query: tq() });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) { if (y === year) clear(box).append(errorBox(e)); return; }
    }
    if (y !== year) return; // another year was chosen meanwhile
    clear(box).append(h('h3', {}, t('meeting_title', { y: t('fy_label', { y }) })),
      can(['reporter', 'admin']) ? meetingForm(y, m) : meetingView(m));
  });
  return box;
}

function meetingView(m) {
  if (!m) return h('p', { class: 'muted', 'data-test': 'meeting-none' }, t('meeting_none'));
  return h('dl', { class: 'kv', 'data-test': 'meeting-view' },
    h('dt', {}, t('meeting_date')), h('dd', {}, m.held_on),
    h('dt', {}, t('meeting_place')), h('dd', {}, m.place),
    h('dt', {}, t('meeting_attendees')), h('dd', {}, h('ul', { class: 'plain' }, m.attendees.map((a) => h('li', {}, a)))));
}

function meetingForm(y, m) {
  const date = h('input', { type: 'date', name: 'held_on', required: true, value: m ? m.held_on : '', 'data-test': 'meeting-date' });
  const place = h('input', { type: 'text', name: 'place', required: true, maxlength: 200, value: m ? m.place : '', 'data-test': 'meeting-place' });
  const att = h('textarea', { name: 'attendees', rows: 4, required: true, 'data-test': 'meeting-attendees' });
  att.value = m ? m.attendees.join('\n') : '';
  const msg = h('div', { 'aria-live': 'polite', 'data-test': 'meeting-msg' });
  const state = h('p', { class: 'muted', 'data-test': 'meeting-state' }, m ? t('meeting_set', { who: m.set_by, at: timeFmt(m.set_at) }) : t('meeting_none'));
  return h('form', { class: 'meeting-form', 'data-test': 'meeting-form', onsubmit: async (e) => {
    e.preventDefault();
    clear(msg);
    for (const c of [date, place, att]) c.removeAttribute('aria-invalid');
    const body = { held_on: date.value, place: place.value, attendees: att.value.split('\n').map((x) => x.trim()).filter((x) => x) };
    try {
      const r = await api('PUT', '/api/v1/reports/annual/' + y + '/meeting', { query: tq(), body });
      state.textContent = t('meeting_set', { who: r.set_by, at: timeFmt(r.set_at) });
      att.value = r.attendees.join('\n');
      msg.append(h('div', { class: 'alert ok', role: 'status', 'data-test': 'meeting-saved' }, t('meeting_saved')));
    } catch (err) {
      const p = err instanceof ApiError && err.details && typeof err.details.parameter === 'string' ? err.details.parameter : '';
      const bad = p === '$.held_on' ? date : p === '$.place' ? place : p.startsWith('$.attendees') ? att : null;
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
      msg.append(errorBox(err));
    }
  } }, state,
  h('div', { class: 'row' }, field(t('meeting_date'), date), field(t('meeting_place'), place)),
  field(t('meeting_attendees'), att, t('meeting_attendees_hint')),
  h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'btn', 'data-test': 'meeting-save' }, t('meeting_save'))), msg);
}

async function pageReports() {
  page('reports_title', null, loading());
  const periods = await knownPeriods();
  const period = hashQuery().get('period') || periods[0] || currentPeriod();
  const msg = h('div', { 'aria-live': 'polite' });
  const lang = getLang() === 'en' ? 'en' : 'ja';
  const base = '/api/v1/reports/' + encodeURIComponent(period);
  const actions = h('div', { class: 'row actions' },
    h('a', { class: 'btn primary', href: base + tenantQuery({ lang }), target: '_blank', rel: 'noopener', 'data-test': 'report-html' }, t('report_html')),
    h('a', { class: 'btn', href: base + tenantQuery({ format: 'pdf', lang }), download: 'tenken-report-' + period.replace('..', '-') + '.pdf', 'data-test': 'report-pdf' }, t('report_pdf')),
    h('a', { class: 'btn', href: '/api/v1/confirmations/export.xlsx' + tenantQuery({ period }), download: '', 'data-test': 'report-xlsx' }, t('report_xlsx')));
  const m = page('reports_title', null, h('p', { class: 'lead' }, t('reports_lead')),
    card(t('period'), periodChooser(periods, period, (p) => setHashQuery('#/reports', { period: p }))),
    card(t('report_of', { p: period.replace('..', ' 〜 ') }), actions, h('p', { class: 'muted' }, t('report_note'))),
    msg);
  if (!periods.includes(period)) msg.append(h('div', { class: 'alert warn', role: 'status' }, t('report_unknown')));
  // One fiscal year for the page: the yearly cards below follow it.
  const fy = fiscalYearOf(period);
  const followers = [];
  const follow = (fn) => followers.push(fn);
  const chooser = select(fiscalYears(fy).map((y) => [y, t('fy_label', { y })]), fy,
    { name: 'fiscal_year', 'data-test': 'fiscal-year', onchange: (e) => followers.forEach((fn) => fn(Number(e.target.value))) });
  m.append(card(t('fy_title'), h('p', { class: 'muted' }, t('fy_lead')), h('div', { class: 'row' }, field(t('fiscal_year'), chooser))),
    annualCard(lang, follow), contractCard(lang, follow));
  followers.forEach((fn) => fn(fy));
  if (can(CHANGERS)) {
    m.append(card(t('deliver'), h('p', { class: 'muted' }, t('deliver_lead')),
      h('button', { type: 'button', class: 'btn', 'data-test': 'deliver', onclick: async () => {
        if (!confirm(t('deliver_confirm', { p: period }))) return;
        clear(msg);
        try {
          await api('POST', '/api/v1/periods/' + encodeURIComponent(period) + '/deliver', { query: tq(), body: {} });
          msg.append(h('div', { class: 'alert ok', role: 'status' }, t('delivered_ok', { p: period })));
        } catch (err) { msg.append(errorBox(err)); }
      } }, t('deliver'))));
  }
}

// The fiscal year (April to March) that holds a day or a period
// (YYYY-MM-DD or FROM..TO, by its first day), so a period from January to
// March belongs to the year before; this year's without one.
function fiscalYearOf(period) {
  const [y, m] = (period || '').split('-').map(Number);
  if (!y) return new Date(Date.now() + 9 * 3600 * 1000).getUTCFullYear();
  return m >= 4 ? y : y - 1;
}

// The contract's documents of the page's fiscal year (follow: as for
// annualCard).
function contractCard(lang, follow) {
  const links = h('div', { class: 'row actions' });
  follow((y) => {
    clear(links);
    for (const doc of ['plan', 'completion']) {
      const base = '/api/v1/reports/' + doc + '/' + y;
      links.append(
        h('a', { class: 'btn', href: base + tenantQuery({ lang }), target: '_blank', rel: 'noopener', 'data-test': doc + '-html' }, t(doc + '_html')),
        h('a', { class: 'btn', href: base + tenantQuery({ format: 'pdf', lang }), download: 'tenken-' + doc + '-' + y + '.pdf', 'data-test': doc + '-pdf' }, t(doc + '_pdf')));
    }
  });
  return h('section', { class: 'card', 'data-test': 'contract' }, h('h2', {}, t('contract_title')), h('p', { class: 'muted' }, t('contract_lead')), links);
}

const VERDICTS = ['justified', 'inappropriate', 'investigating'];

function todayJst() { return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10); }

function confirmationCard(it) {
  const a = it.answer;
  const verdict = select([['', t('choose')], ...VERDICTS.map((v) => [v, t('verdict_' + v)])], a ? a.verdict : '', { name: 'verdict', required: true });
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 2000 });
  reason.value = a ? a.reason || '' : '';
  const by = h('input', { name: 'confirmed_by', value: a && a.confirmed_by ? a.confirmed_by : '', required: true });
  const on = h('input', { type: 'date', name: 'confirmed_on', value: a ? a.confirmed_on : todayJst(), required: true });
  const out = h('div', { 'aria-live': 'polite' });
  const state = h('span', { class: 'badge ' + (a ? 'answered' : 'unanswered'), 'data-test': 'answer-state' }, a ? t('verdict_' + a.verdict) : t('unanswered'));
  const form = h('form', { class: 'answer-form', onsubmit: async (e) => {
    e.preventDefault();
    clear(out);
    try {
      const r = await api('PUT', '/api/v1/confirmations/' + encodeURIComponent(it.case_id), { query: tq(), body: { verdict: verdict.value, reason: reason.value, confirmed_by: by.value.trim(), confirmed_on: on.value } });
      state.className = 'badge answered';
      state.textContent = t('verdict_' + r.answer.verdict);
      out.append(h('div', { class: 'alert ok', role: 'status' }, t('answer_saved')));
    } catch (err) { out.append(errorBox(err)); }
  } },
  h('div', { class: 'row' }, field(t('verdict'), verdict), field(t('confirmed_by'), by), field(t('confirmed_on'), on)),
  field(t('reason'), reason, t('reason_hint')),
  h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t('save')), out));
  return h('section', { class: 'card confirmation', 'data-test': 'confirmation', 'data-case': it.case_id },
    h('h2', {}, h('span', { class: 'case-no' }, '#' + it.no + ' '), it.case_id, ' ', state),
    kv([[t('entity_col'), it.entity + (it.entity_type === 'terminal' ? '（' + t('et_terminal') + '）' : '')], [t('dept'), it.dept || '—'],
      [t('system'), it.systems.join('・') || '—'], [t('severity'), it.severity ? t('sev_' + it.severity) : '—'],
      [t('days'), it.first_day + (it.last_day !== it.first_day ? ' 〜 ' + it.last_day : '')]]),
    h('p', { class: 'summary' }, it.summary), form);
}

async function pageConfirmations() {
  page('confirm_title', null, loading());
  const q = hashQuery().get('period');
  let d = null;
  let err = null;
  try { d = await api('GET', '/api/v1/confirmations', { query: tq({ period: q }) }); } catch (e) { if (e instanceof Stale) throw e; err = e; }
  const period = d ? d.period : q || currentPeriod();
  const periods = can(READERS) ? await knownPeriods() : d ? [d.period] : [];
  const importOut = h('div', { 'aria-live': 'polite', 'data-test': 'import-result' });
  const file = h('input', { type: 'file', name: 'workbook', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const importForm = h('form', { class: 'row', onsubmit: async (e) => {
    e.preventDefault();
    clear(importOut);
    const f = file.files[0];
    if (!f) { importOut.append(h('div', { class: 'alert error', role: 'alert' }, t('choose_file'))); return; }
    try {
      const r = await sendFile('POST', '/api/v1/confirmations/import', tq(), f, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const b = r.body || {};
      if (r.status === 200) {
        importOut.append(h('div', { class: 'alert ok', role: 'status' }, t('import_ok', { n: b.recorded, u: b.unchanged, b: b.blank })));
        return;
      }
      const det = b.error && b.error.details ? b.error.details : {};
      importOut.append(h('div', { class: 'alert error', role: 'alert' }, (b.error ? b.error.message : 'HTTP ' + r.status) + (det.reason ? ': ' + det.reason : '')));
      if (det.issues && det.issues.length)
        importOut.append(table([t('sheet'), t('row_no'), t('column'), t('problem')], det.issues.map((x) => h('tr', {}, h('td', {}, x.sheet), h('td', { class: 'num' }, x.row), h('td', {}, x.column || '—'), h('td', {}, x.message))), 'import-issues'),
          det.more_issues ? h('p', { class: 'muted' }, t('more_issues', { n: det.more_issues })) : null);
    } catch (e2) { importOut.append(errorBox(e2)); }
  } }, field(t('workbook'), file), h('button', { type: 'submit', class: 'btn' }, t('import_btn')));
  const m = page('confirm_title', null, h('p', { class: 'lead' }, t('confirm_lead')),
    card(t('period'), periodChooser(periods, period, (p) => setHashQuery('#/confirmations', { period: p }))));
  if (err) { m.append(errorBox(err)); return; }
  m.append(card(t('workbook'), h('p', { class: 'muted' }, t('workbook_lead')),
    h('div', { class: 'row' }, h('a', { class: 'btn', href: '/api/v1/confirmations/export.xlsx' + tenantQuery({ period }), download: '', 'data-test': 'export-xlsx' }, t('report_xlsx'))),
    importForm, importOut));
  m.append(h('p', { class: 'counts', 'data-test': 'confirm-counts' }, t('confirm_counts', { a: d.answered, n: d.total })));
  for (const it of d.items) m.append(confirmationCard(it));
  if (!d.items.length) m.append(h('p', { class: 'muted' }, t('none')));
}

// The completeness grid of a period (GET /api/v1/periods/{p}/completeness):
// one row per system, one cell per day, missing and low days marked.
function completenessCard() {
  const box = h('div', { 'data-test': 'completeness' });
  const show = async (period) => {
    clear(box).append(loading());
    try {
      const d = await api('GET', '/api/v1/periods/' + encodeURIComponent(period) + '/completeness', { query: tq() });
      clear(box).append(
        h('p', {}, t('completeness_sum', { p: d.period.replace('..', ' 〜 '), n: numberFmt(d.total), m: d.missing, l: d.low }),
          ' ', d.plan ? h('strong', { 'data-test': 'deadline' }, t('upload_deadline', { d: d.plan.upload_deadline })) : h('span', { class: 'muted' }, t('no_plan'))),
        scrollBox(t('completeness_grid_label', { p: d.period.replace('..', ' 〜 ') }), h('table', { class: 'data grid-days', 'data-test': 'completeness-grid' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('system')), d.days.map((x) => h('th', { scope: 'col', class: x.open ? '' : 'closed', title: x.day }, x.day.slice(8))))),
          h('tbody', {}, d.systems.length ? d.systems.map((sy) => h('tr', {}, h('th', { scope: 'row' }, sy.system),
            sy.flags.map((fl, i) => h('td', { class: 'cell-' + fl, title: d.days[i].day + ' ' + t('flag_' + fl) + ' ' + numberFmt(sy.rows_by_day[i]) }, fl === 'missing' ? '×' : fl === 'low' ? '△' : fl === 'ok' ? '' : '·'))))
            : h('tr', {}, h('td', { colspan: d.days.length + 1, class: 'muted empty' }, t('none')))))),
        h('p', { class: 'legend' }, ['missing', 'low', 'closed', 'future'].map((fl) => h('span', { class: 'legend-item' }, h('span', { class: 'key cell-' + fl }), t('flag_' + fl) + ' '))));
    } catch (e) { clear(box).append(errorBox(e)); }
  };
  const initial = currentPeriod();
  const c = card(t('completeness_title'), periodChooser([], initial, show), box);
  c.setAttribute('data-test', 'completeness-card');
  show(initial);
  return c;
}

// ---- start -----------------------------------------------------------------

window.addEventListener('hashchange', route);
(async () => {
  setLang(getLang());
  try {
    const d = await api('GET', '/api/v1/session', { quiet401: true });
    me = d;
    setCsrf(d.csrf_token || null);
  } catch (e) { me = null; }
  route();
})();
