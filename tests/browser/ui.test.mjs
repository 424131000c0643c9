// tests/browser/ui.test.mjs -- drives the web UI in Chromium (playwright-core,
// the system's browser, no download) against a running `tenken serve`.
// Run by tests/browser/test_ui.sh, which sets:
//   TK_UI_BASE      https://127.0.0.1:PORT
//   TK_UI_PASSWORD  the password of ui-uploader, ui-analyst, ui-reporter, ui-admin, ui-locked
//   TK_UI_SHOTS     where to save a screenshot of every page
//   TK_UI_GOOD, TK_UI_BAD  a CSV the profile accepts, and one with a bad row
//   TK_CHROMIUM     the browser
// Each step prints "ok" or "FAIL: what it did, what it saw"; the exit code is
// the count of failed steps (0: all passed).
//
// Every page the test visits is also checked by axe-core (a11y()): a
// violation of impact serious or critical fails the step, printed with its
// rule, its help and the selectors of the nodes at fault. axe is read from
// node_modules and given to each document by addInitScript (the DevTools
// protocol), so the UI's CSP (script-src 'self') stays as it is.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const base = process.env.TK_UI_BASE;
const pw = process.env.TK_UI_PASSWORD;
const shots = process.env.TK_UI_SHOTS;
const viewport = { width: 1366, height: 768 };
// A sanitizer build (TK_SANITIZE, set by ctest) serves and analyses several
// times slower: the waits grow with it.
const slow = process.env.TK_SANITIZE ? 5 : 1;
let failed = 0;
let page;
let browser;
const foreign = [];

function assert(cond, msg) { if (!cond) throw new Error(msg); }

// Polls fn (in node) until it returns a truthy value. page.waitForFunction
// would evaluate a string in the page, which the UI's CSP (no
// 'unsafe-eval') rightly refuses.
async function until(what, fn, timeout = 15000 * slow) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn().catch((e) => e.message);
    if (last === true) return;
    if (Date.now() > end) throw new Error(`waited ${timeout} ms for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
    if (page) await page.screenshot({ path: path.join(shots, 'FAILED-' + name.replace(/[^a-z0-9]+/gi, '-') + '.png') }).catch(() => {});
  }
}

async function shot(name) { await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: false }); }

async function newPage() {
  if (page) await page.context().close();
  const ctx = await browser.newContext({ viewport, ignoreHTTPSErrors: true, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  await ctx.addInitScript({ content: axeSource });
  page = await ctx.newPage();
  page.setDefaultTimeout(15000 * slow);
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.hostname !== '127.0.0.1') foreign.push(r.url());
  });
  page.on('pageerror', (e) => { console.log('     page error: ' + e.message); failed++; });
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) console.log('     console: ' + m.text()); });
  return page;
}

async function login(name) {
  await page.goto(base + '/');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', pw);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-test=logout]');
}

// Runs axe-core over the page as it is now; throws on any violation of
// impact serious or critical, naming the rule, its help and the nodes.
const a11yPages = [];
async function a11y(name) {
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  a11yPages.push(name);
  assert(found.length === 0, `axe on ${name} (${page.url()}):\n` + found.map((v) =>
    `${v.id} [${v.impact}] ${v.help}: ${v.nodes.slice(0, 8).join(' | ')}${v.nodes.length > 8 ? ` (+${v.nodes.length - 8})` : ''}`).join('\n'));
}

async function navTexts() { return page.$$eval('nav#nav a .label', (as) => as.map((a) => a.textContent.trim())); }

async function apiStatus(p) { return page.evaluate(async (u) => (await fetch(u)).status, p); }

browser = await chromium.launch({
  executablePath: process.env.TK_CHROMIUM || '/usr/bin/chromium',
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});

await step('login page, wrong password', async () => {
  await newPage();
  await page.goto(base + '/');
  await page.waitForSelector('form.login-form');
  await shot('01-login');
  await a11y('login');
  await page.fill('input[name=name]', 'ui-analyst');
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  const msg = await page.textContent('[data-test=login-error]');
  assert(msg.includes('アカウント名またはパスワードが違います'), 'wrong password message: ' + msg);
  await shot('02-login-wrong');
  await a11y('login with an error');
});

await step('locked account shows Retry-After', async () => {
  for (let i = 0; i < 6; i++) {
    await page.fill('input[name=name]', 'ui-locked');
    await page.fill('input[name=password]', 'wrong ' + i);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-test=login-error]');
    await until('the login button', async () => !(await page.isDisabled('button[type=submit]')));
  }
  const msg = await page.textContent('[data-test=login-error]');
  assert(/ロックされています。\d+秒後/.test(msg), 'locked message with seconds: ' + msg);
  await shot('03-login-locked');
});

await step('uploader: navigation, no cases page, API says 403', async () => {
  await login('ui-uploader');
  const nav = await navTexts();
  assert(nav.includes('ログのアップロード') && nav.includes('アップロード履歴'), 'uploader nav: ' + nav);
  assert(!nav.includes('検知事案') && !nav.includes('監査ログ'), 'uploader sees no cases/audit: ' + nav);
  assert((await page.textContent('[data-test=role]')) === 'アップロード担当', 'role shown');
  await page.goto(base + '/#/cases');
  await page.waitForSelector('[data-test=forbidden]');
  const st = await apiStatus('/api/v1/anomalies');
  assert(st === 403, 'GET /api/v1/anomalies as uploader: ' + st);
  await shot('04-uploader-forbidden');
  await a11y('forbidden');
});

await step('upload a file: progress to 100 %, counts', async () => {
  await page.goto(base + '/#/upload');
  await page.waitForSelector('form.upload-form');
  await a11y('upload');
  await page.setInputFiles('input[type=file]', process.env.TK_UI_GOOD);
  await shot('05-upload-chosen');
  // Record the progress values the page shows while sending.
  await page.evaluate(() => {
    window.__seen = [];
    const bar = document.querySelector('[data-test=upload-progress]');
    new MutationObserver(() => window.__seen.push(Number(bar.value))).observe(bar, { attributes: true });
    bar.addEventListener('change', () => {});
    const orig = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value');
    Object.defineProperty(bar, 'value', { get() { return orig.get.call(this); }, set(v) { window.__seen.push(Number(v)); orig.set.call(this, v); } });
  });
  await page.click('form.upload-form button[type=submit]');
  await page.waitForSelector('[data-test=upload-result]', { timeout: 60000 * slow });
  const pct = await page.textContent('[data-test=upload-pct]');
  const seen = await page.evaluate(() => window.__seen);
  assert(pct === '100%', 'the bar ends at 100 %: ' + pct);
  assert(seen.length >= 1 && seen[seen.length - 1] === 100, 'progress values seen: ' + seen.join(','));
  const acc = await page.textContent('[data-test=rows-accepted]');
  const total = await page.textContent('[data-test=rows-total]');
  assert(Number(acc.replace(/,/g, '')) > 1000 && acc === total, `accepted ${acc} of ${total}`);
  await shot('06-upload-done');
  await a11y('upload done');
});

await step('upload a malformed file: the row-level error', async () => {
  await page.goto(base + '/#/uploads');
  await page.goto(base + '/#/upload');
  await page.waitForSelector('form.upload-form');
  await page.setInputFiles('input[type=file]', process.env.TK_UI_BAD);
  await page.click('form.upload-form button[type=submit]');
  await page.waitForSelector('[data-test=upload-result]');
  const text = await page.textContent('[data-test=upload-result]');
  assert(text.includes('取り込まれませんでした'), 'rejected: ' + text);
  const first = await page.textContent('[data-test=first-error]');
  assert(/3/.test(first) && /操作日時|time|2024\/13\/45/.test(first), 'the first bad row named: ' + first);
  const href = await page.getAttribute('[data-test=error-report]', 'href');
  const report = await page.evaluate(async (u) => { const r = await fetch(u); return r.status + ' ' + await r.text(); }, href);
  assert(report.startsWith('200 ') && report.trim().split('\n').length >= 2, 'the error report downloads: ' + report);
  await shot('07-upload-rejected');
  await a11y('upload rejected');
});

// The city answers a request of the period before the demo's; the demo
// period's report shows the answer in its follow-up (the reports step).
let answeredCase = '';
await step('the city answers a confirmation request; after a reload it is kept', async () => {
  const nav = await navTexts();
  assert(nav.includes('要確認事項') && nav.includes('報告書'), 'uploader nav has 要確認事項 and 報告書: ' + nav);
  await page.goto(base + '/#/confirmations?period=2024-08-01..2024-09-30');
  await page.waitForSelector('[data-test=confirmation]');
  // The last request: an answer sets the case's triage.
  const caseNo = await page.$$eval('[data-test=confirmation]', (c) => c[c.length - 1].getAttribute('data-case'));
  assert(/^C-\d{4}-\d{2}-[0-9a-f]{8}$/.test(caseNo), 'a case id: ' + caseNo);
  answeredCase = caseNo;
  const first = `[data-test=confirmation][data-case="${caseNo}"]`;
  assert((await page.textContent(first + ' [data-test=answer-state]')) === '未回答', 'unanswered at first');
  await shot('30-confirmations');
  await a11y('confirmations');
  await page.selectOption(first + ' select[name=verdict]', 'justified');
  await page.fill(first + ' textarea[name=reason]', '窓口での住民票交付申請に基づく照会（受付番号 R6-1234）');
  await page.fill(first + ' input[name=confirmed_by]', '市民課長 山田');
  await page.click(first + ' button[type=submit]');
  await page.waitForSelector(first + ' .alert.ok');
  assert((await page.textContent(first + ' [data-test=answer-state]')) === '正当', 'the badge after saving');
  await page.reload();
  await page.waitForSelector(first);
  assert((await page.textContent(first + ' [data-test=answer-state]')) === '正当', 'the answer after a reload: ' + await page.textContent(first + ' [data-test=answer-state]'));
  assert((await page.inputValue(first + ' textarea[name=reason]')).includes('R6-1234'), 'the reason after a reload');
  assert((await page.inputValue(first + ' input[name=confirmed_by]')) === '市民課長 山田', 'the confirmer after a reload');
  assert(/1件回答済み/.test(await page.textContent('[data-test=confirm-counts]')), 'counts: ' + await page.textContent('[data-test=confirm-counts]'));
  const x = await page.evaluate(async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer()); return [r.status, String.fromCharCode(b[0], b[1]), b.length]; }, await page.getAttribute('[data-test=export-xlsx]', 'href'));
  assert(x[0] === 200 && x[1] === 'PK' && x[2] > 2000, 'the workbook: ' + x);
});

await step('upload page: the completeness grid of a period', async () => {
  await page.goto(base + '/#/upload');
  const grid = '[data-test=completeness-card] form';
  await page.waitForSelector(grid);
  await page.fill(grid + ' input[name=from]', '2024-10-01');
  await page.fill(grid + ' input[name=to]', '2024-11-30');
  await page.click(grid + ' button[type=submit]');
  await page.waitForSelector('table[data-test=completeness-grid] tbody th');
  const cols = await page.$$eval('table[data-test=completeness-grid] thead th', (x) => x.length);
  assert(cols === 62, 'a column per day of the period, and the system: ' + cols);
  assert((await page.textContent('[data-test=completeness]')).includes('2024-10-01 〜 2024-11-30'), 'the period shown');
  await page.$eval('[data-test=completeness]', (e) => e.scrollIntoView());
  await shot('31-upload-completeness');
  await a11y('completeness');
});

await step('upload history and detail', async () => {
  await page.goto(base + '/#/uploads');
  await page.waitForSelector('table[data-test=uploads] tbody tr');
  const first = await page.textContent('table[data-test=uploads] tbody tr');
  assert(first.includes('juki_test_bad.csv') || first.includes('juki_test_good.csv'), 'newest upload first: ' + first);
  await shot('08-uploads');
  await a11y('uploads');
  await page.click('table[data-test=uploads] tbody tr a');
  await page.waitForSelector('button.danger');
  await shot('09-upload-detail');
  await a11y('upload detail');
  await page.click('[data-test=logout]');
  await page.waitForSelector('form.login-form');
  assert((await page.textContent('#login-msg')).includes('ログアウトしました'), 'logout message');
});

await step('keyboard: log in, open a case, focus visible', async () => {
  await page.goto(base + '/');
  await page.waitForSelector('form.login-form');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return e ? e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '') + (e.type === 'submit' ? '[type=submit]' : '') + (e.dataset.test ? '[data-test=' + e.dataset.test + ']' : '') : '';
  });
  const tabTo = async (want, max) => {
    const seen = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      seen.push(f);
      if (f.startsWith(want)) return;
    }
    throw new Error(`Tab did not reach ${want}; focus went ${seen.join(' → ')}`);
  };
  await tabTo('input[name=name]', 6);
  // The focused field shows it: an outline from the :focus-visible rule.
  const ring = await page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    const rule = [...document.styleSheets].some((sh) => [...sh.cssRules].some((r) => r.selectorText && r.selectorText.includes(':focus-visible') && /outline:\s*\d/.test(r.cssText)));
    return [document.activeElement.matches(':focus-visible'), st.outlineStyle, parseFloat(st.outlineWidth), rule];
  });
  assert(ring[0] && ring[1] !== 'none' && ring[2] >= 2 && ring[3], 'a visible focus ring [focus-visible, style, width, rule]: ' + ring);
  await page.keyboard.type('ui-analyst');
  await page.keyboard.press('Tab');
  assert((await focused()) === 'input[name=password]', 'Tab goes to the password: ' + await focused());
  await page.keyboard.type(pw);
  await page.keyboard.press('Tab');
  assert((await focused()) === 'button[type=submit]', 'Tab goes to the submit button: ' + await focused());
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-test=logout]');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id] [data-test=case-link]');
  await tabTo('a[data-test=case-link]', 120);
  const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-test=case-summary]');
  assert(page.url().endsWith(href) && /#\/case\/\d+-\d+$/.test(href), 'Enter opened the case: ' + page.url() + ' for ' + href);
  await page.click('[data-test=logout]');
  await page.waitForSelector('form.login-form');
});

let caseId;
let topSummary;
await step('analyst: navigation and ranked cases', async () => {
  await login('ui-analyst');
  const nav = await navTexts();
  for (const n of ['検知事案', 'ログのアップロード', 'ルールと閾値', '分析と期間']) assert(nav.includes(n), 'analyst nav has ' + n + ': ' + nav);
  assert(!nav.includes('監査ログ'), 'analyst has no audit: ' + nav);
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id]');
  const n = await page.$$eval('table[data-test=cases] tbody tr[data-id]', (r) => r.length);
  assert(n >= 10, 'cases listed: ' + n);
  caseId = await page.getAttribute('table[data-test=cases] tbody tr[data-id]', 'data-id');
  assert(/^\d+-1$/.test(caseId), 'the top case is rank 1 of the newest run: ' + caseId);
  topSummary = await page.textContent('table[data-test=cases] tbody tr:first-child [data-test=case-link]');
  const badges = await page.$$eval('table[data-test=cases] tbody tr:first-child .badge', (b) => b.map((x) => x.textContent));
  assert(badges.some((b) => ['重大', '高', '中', '低'].includes(b)) && badges.includes('未対応'), 'severity and status badges: ' + badges);
  const width = await page.$eval('table[data-test=cases] tbody tr:first-child .bar .fill', (e) => e.style.width);
  assert(/^(9\d|100)(\.\d+)?%$/.test(width), 'the top score bar is nearly full: ' + width);
  await shot('10-cases');
  await a11y('cases');
  await page.selectOption('select[name=source]', 'model');
  await page.click('form.filters button[type=submit]');
  await until('the filter in the URL', async () => page.url().includes('source=model'));
  // The filtered list replaces the first: wait for its rows.
  await until('model cases listed', async () => (await page.$$eval('table[data-test=cases] tbody tr[data-id] .badge.model', (b) => b.length)) >= 1 || 'no model badge yet');
  await shot('11-cases-model');
});

await step('case page: summary, explanation, evidence', async () => {
  await page.goto(base + '/#/cases');
  await page.waitForSelector('[data-test=case-link]');
  await page.click('[data-test=case-link]');
  await page.waitForSelector('[data-test=case-summary]');
  const sum = await page.textContent('[data-test=case-summary]');
  assert(sum && sum === topSummary, `summary ${sum} is the list's ${topSummary}`);
  const body = await page.textContent('main');
  assert(body.includes('なぜ検知されたか') && body.includes('閾値'), 'explanation shown');
  await page.waitForSelector('table[data-test=evidence] tbody tr');
  assert((await page.$$eval('table[data-test=findings] tbody tr', (r) => r.length)) >= 2, 'findings listed');
  await shot('12-case');
  await a11y('case');
  await page.evaluate(() => document.querySelector('table[data-test=evidence]').scrollIntoView());
  await shot('13-case-evidence');
});

await step('case page: the explanation in Japanese and English, the chart', async () => {
  await page.goto(base + '/#/case/1-1');
  await page.waitForSelector('[data-test=case-summary]');
  await chartsLoaded(['case-chart']);
  const keys = () => page.$$eval('main section.card dl.kv dt', (d) => d.map((x) => x.textContent));
  let k = await keys();
  const raw = k.filter((x) => /^[a-z_]+$/.test(x));
  assert(!raw.length && k.includes('デバイス') && k.includes('所属'), 'explanation keys in Japanese: ' + k);
  await page.click('header button[lang=en]');
  await page.waitForSelector('[data-test=case-summary]');
  await until('English keys', async () => { k = await keys(); return (k.includes('Device') && k.includes('Department')) || 'keys ' + k; });
  assert(!k.includes('デバイス'), 'no Japanese key left: ' + k);
  assert((await page.getAttribute('img[data-test=case-chart]', 'src')).endsWith('lang=en'), 'the chart follows the language');
  await shot('13b-case-en');
  await a11y('case (English)');
  await page.click('header button[lang=ja]');
  await until('Japanese again', async () => (await page.getAttribute('html', 'lang')) === 'ja');
});

await step('triage a case; after a reload the status stays and the CSRF token is back', async () => {
  await page.selectOption('select[name=triage-status]', 'investigating');
  await page.fill('textarea[name=triage-comment]', '所属長に確認を依頼');
  await page.click('form.triage button[type=submit]');
  await page.waitForSelector('[data-test=triage-saved]');
  await page.reload();
  await page.waitForSelector('[data-test=case-summary]');
  const st = await page.textContent('.case-head [data-test=status]');
  assert(st === '調査中', 'status after reload: ' + st);
  assert((await page.textContent('[data-test=history]')).includes('所属長に確認を依頼'), 'history has the comment');
  // a change after the reload needs the CSRF token the page got back
  await page.selectOption('select[name=triage-status]', 'false_positive');
  await page.click('form.triage button[type=submit]');
  await page.waitForSelector('[data-test=triage-saved]');
  assert((await page.textContent('.case-head [data-test=status]')) === '誤検知', 'second triage after reload');
  await page.fill('input[name=suppress-reason]', '定例の媒体書出し（承認済み）');
  await page.click('form.suppress button[type=submit]');
  await page.waitForSelector('[data-test=suppressed]');
  await shot('14-case-triaged');
});

await step('bulk triage of selected cases', async () => {
  await page.goto(base + '/#/cases');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id]');
  const boxes = await page.$$('table[data-test=cases] tbody input[type=checkbox]');
  await boxes[1].check();
  await boxes[2].check();
  assert((await page.textContent('[data-test=selected]')).includes('2件'), 'two selected');
  await page.selectOption('select[name=bulk-status]', 'confirmed');
  const triageCalls = [];
  const seen = (r) => { if (/\/api\/v1\/anomalies\/[^?]*triage/.test(r.url())) triageCalls.push(r.url()); };
  page.on('request', seen);
  await page.click('form.bulk button[type=submit]');
  await page.waitForSelector('.alert.ok');
  page.off('request', seen);
  assert(triageCalls.length === 1 && /\/api\/v1\/anomalies\/triage/.test(triageCalls[0]), 'one request for the two: ' + triageCalls);
  const st = await page.$$eval('table[data-test=cases] tbody tr[data-id]', (rows) => rows.slice(1, 3).map((r) => r.querySelector('[data-test=status]').textContent));
  assert(st.every((x) => x === '不正確認'), 'bulk statuses: ' + st);
  await shot('15-cases-bulk');
});

// Waits until every chart image of the page has loaded (naturalWidth > 0:
// the service's SVG decoded) and returns their alt texts.
async function chartsLoaded(names) {
  for (const n of names) await page.waitForSelector(`img[data-test=${n}]`);
  await until('the charts load', async () => {
    const w = await page.$$eval('img.chart', (imgs) => imgs.map((i) => i.complete && i.naturalWidth));
    return (w.length >= names.length && w.every((x) => x > 0)) || 'widths ' + w;
  });
  return page.$$eval('img.chart', (imgs) => imgs.map((i) => i.alt));
}

await step('entity profile: charts drawn by the service', async () => {
  await page.goto(base + '/#/cases?entity_type=user');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id] a[href^="#/entity/user/"]');
  await page.click('table[data-test=cases] tbody tr[data-id] a[href^="#/entity/user/"]');
  const alts = await chartsLoaded(['chart-daily', 'chart-hours', 'chart-systems']);
  assert(alts.every((a) => a.length > 10) && alts[0].includes('日ごとの操作件数'), 'alt texts: ' + alts);
  const src = await page.getAttribute('img[data-test=chart-hours]', 'src');
  assert(/^\/api\/v1\/entities\/user\/[^/]+\/charts\/hours\.svg\?period=2024-.*&lang=ja$/.test(src), 'the heat map route: ' + src);
  assert((await page.$$('svg.chart')).length === 0, 'no chart drawn in the page itself');
  assert((await page.$$eval('table[data-test=systems] tbody tr', (r) => r.length)) >= 1, 'systems listed');
  await shot('16-entity');
  await a11y('entity');
});

await step("a terminal's page", async () => {
  await page.goto(base + '/#/cases?entity_type=terminal');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id] a[href^="#/entity/terminal/"]');
  await page.click('table[data-test=cases] tbody tr[data-id] a[href^="#/entity/terminal/"]');
  await chartsLoaded(['chart-daily', 'chart-hours', 'chart-systems']);
  const title = await page.textContent('main h1');
  assert(/^端末 .+ の活動$/.test(title), 'the title names a terminal: ' + title);
  const facts = await page.textContent('main .kv');
  assert(facts.includes('端末の種別') && facts.includes('登録'), "the terminal's record: " + facts);
  assert((await page.$$eval('table[data-test=entity-cases] tbody tr a[href^="#/case/"]', (r) => r.length)) >= 1, "the terminal's cases");
  await shot('16b-entity-terminal');
  await a11y('terminal');
});

await step('tuning: a threshold change previewed', async () => {
  await page.goto(base + '/#/tuning');
  await page.waitForSelector('[data-test=edit-R03]');
  await shot('17-tuning');
  await a11y('tuning');
  await page.click('[data-test=edit-R03]');
  await page.fill('input[name=min_residents]', '20');
  await page.click('[data-test=preview]');
  await page.waitForSelector('[data-test=preview-cases]', { timeout: 90000 * slow });
  const txt = await page.textContent('[data-test=preview-cases]');
  assert(/事案 \d+ → \d+件/.test(txt), 'preview count: ' + txt);
  await shot('18-tuning-preview');
  await a11y('tuning preview');
});

await step('tuning: a baseline setting edited (a bad value, then a good one)', async () => {
  await page.goto(base + '/#/tuning');
  await page.waitForSelector('input[name=bs-trees]');
  assert((await page.textContent('[data-test=baseline-version]')).includes('既定値'), 'never changed: ' + await page.textContent('[data-test=baseline-version]'));
  await page.fill('input[name=bs-trees]', '5');
  await page.click('[data-test=baseline-save]');
  await until('the error next to the field', async () => /10/.test(await page.textContent('[data-test=error-trees]')) || 'error: ' + await page.textContent('[data-test=error-trees]'));
  assert((await page.getAttribute('input[name=bs-trees]', 'aria-invalid')) === 'true', 'the field marked invalid');
  await shot('18b-baseline-error');
  await page.fill('input[name=bs-trees]', '150');
  await page.click('[data-test=baseline-save]');
  await page.waitForSelector('[data-test=baseline-saved]');
  assert((await page.inputValue('input[name=bs-trees]')) === '150', 'the value kept');
  const v = await page.textContent('[data-test=baseline-version]');
  assert(/版 \d+/.test(v) && v.includes('ui-analyst'), 'who and when: ' + v);
  await shot('18c-baseline-saved');
});

await step('analyses and periods', async () => {
  await page.goto(base + '/#/analyses');
  await page.waitForSelector('table[data-test=periods] tbody tr');
  assert((await page.textContent('table[data-test=periods]')).includes('2024-10-01'), 'the demo period');
  await page.fill('input[name=from]', '2024-11-01');
  await page.fill('input[name=to]', '2024-11-30');
  await page.click('form.row button[type=submit]');
  await page.waitForSelector('table[data-test=jobs] tbody .badge');
  // the job runs and ends (done), or is cancelled from the page
  const cancel = await page.$('table[data-test=jobs] tbody button');
  if (cancel) await cancel.click();
  await until('the job ends', async () => /完了|取消/.test(await page.textContent('table[data-test=jobs] tbody .badge', { timeout: 1000 })) || 'not yet', 120000 * slow);
  await shot('19-analyses');
  await a11y('analyses');
});

await step('reports page: the PDF and the HTML report', async () => {
  const P = '2024-10-01..2024-11-30';
  await page.goto(base + '/#/reports?period=' + P);
  await page.waitForSelector('[data-test=report-pdf]');
  assert(await page.$('[data-test=deliver]'), 'the analyst may deliver');
  await shot('32-reports');
  await a11y('reports');
  const pdf = await page.evaluate(async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer()); return [r.status, String.fromCharCode(...b.slice(0, 5)), b.length, r.headers.get('Content-Disposition')]; }, await page.getAttribute('[data-test=report-pdf]', 'href'));
  assert(pdf[0] === 200 && pdf[1] === '%PDF-' && pdf[2] > 50000, 'the PDF: ' + pdf);
  assert(pdf[3] === 'attachment; filename="tenken-report-2024-10-01-2024-11-30.pdf"', 'the PDF file name: ' + pdf[3]);
  const [tab] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=report-html]')]);
  await tab.waitForLoadState();
  const title = await tab.textContent('body');
  assert(title.includes('分析点検結果レポート') && title.includes('要確認事項'), 'the HTML report in a new tab: ' + title.slice(0, 200));
  // Chapter 7 follows up the city's answer to the previous period's request.
  const ch7 = title.slice(title.lastIndexOf('7 前回のフォローアップ'));
  assert(answeredCase && ch7.includes(answeredCase) && ch7.includes('R6-1234') && ch7.includes('市民課長 山田') && ch7.includes('正当'),
    'the city\'s answer to ' + answeredCase + ' in chapter 7: ' + ch7.slice(0, 600));
  await tab.screenshot({ path: path.join(shots, '33-report-html.png') });
  await tab.close();
  // the contract's documents of the page's one fiscal year
  assert((await page.$$('select[name=fiscal_year], input[name=fiscal_year]')).length === 1, 'one fiscal-year field on the page');
  assert((await page.inputValue('[data-test=fiscal-year]')) === '2024', 'the fiscal year of 2024-10');
  const plan = await page.evaluate(async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer()); return [r.status, String.fromCharCode(...b.slice(0, 5)), r.headers.get('Content-Disposition')]; }, await page.getAttribute('[data-test=plan-pdf]', 'href'));
  assert(plan[0] === 200 && plan[1] === '%PDF-' && plan[2] === 'attachment; filename="tenken-plan-2024.pdf"', 'the plan PDF: ' + plan);
  const done = await page.evaluate(async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }, await page.getAttribute('[data-test=completion-html]', 'href'));
  assert(done[0] === 200 && done[1].includes('業務完了報告書'), 'the completion report: ' + done[0]);
});

await step('reports page: the annual review and its minutes', async () => {
  await page.goto(base + '/#/reports?period=2024-10-01..2024-11-30');
  await page.waitForSelector('[data-test=annual] [data-test=annual-pdf]');
  assert(await page.inputValue('[data-test=fiscal-year]') === '2024', 'the fiscal year of the period: ' + await page.inputValue('[data-test=fiscal-year]'));
  await shot('34-reports-annual');
  const fetchHead = (u) => page.evaluate(async (x) => { const r = await fetch(x); const b = new Uint8Array(await r.arrayBuffer()); return [r.status, String.fromCharCode(...b.slice(0, 5)), r.headers.get('Content-Disposition')]; }, u);
  const pdf = await fetchHead(await page.getAttribute('[data-test=annual-pdf]', 'href'));
  assert(pdf[0] === 200 && pdf[1] === '%PDF-' && pdf[2] === 'attachment; filename="tenken-annual-2024.pdf"', 'the annual PDF: ' + pdf);
  const min = await fetchHead(await page.getAttribute('[data-test=minutes-pdf]', 'href'));
  assert(min[0] === 200 && min[1] === '%PDF-', 'the minutes PDF: ' + min);
  const [tab] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=minutes-html]')]);
  await tab.waitForLoadState();
  const body = await tab.textContent('body');
  assert(body.includes('議事録') && body.includes('次回までの対応事項'), 'the minutes in a new tab: ' + body.slice(0, 200));
  await tab.close();
  // An analyst reads the meeting's record, and may not set it.
  await page.waitForSelector('[data-test=meeting] [data-test=meeting-none]');
  assert((await page.$$('[data-test=meeting-form]')).length === 0, 'no meeting form for an analyst');
  await page.selectOption('[data-test=fiscal-year]', '2023');
  const href = await page.getAttribute('[data-test=annual-html]', 'href');
  assert(href.startsWith('/api/v1/reports/annual/2023'), 'the links follow the year: ' + href);
  const plan = await page.getAttribute('[data-test=plan-pdf]', 'href');
  assert(plan.startsWith('/api/v1/reports/plan/2023'), 'the contract documents follow the same year: ' + plan);
});

await step('English switch', async () => {
  await page.goto(base + '/#/cases');
  await page.waitForSelector('table[data-test=cases]');
  await page.click('header button[lang=en]');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id]');
  const nav = await navTexts();
  assert(nav.includes('Cases to review'), 'English nav: ' + nav);
  const err = await page.evaluate(async () => (await (await fetch('/api/v1/anomalies/9-9', { headers: { 'Accept-Language': 'en' } })).json()).error.message);
  assert(/not found/i.test(err), 'API error in English: ' + err);
  await shot('20-cases-en');
  await a11y('cases (English)');
  await page.goto(base + '/#/reports?period=2024-10-01..2024-11-30');
  await page.waitForSelector('[data-test=meeting] h3');
  await a11y('reports (English)');
  await page.goto(base + '/#/cases');
  await page.waitForSelector('table[data-test=cases] tbody tr[data-id]');
  await page.click('header button[lang=ja]');
  await until('Japanese again', async () => (await page.getAttribute('html', 'lang')) === 'ja');
});

await step('session expiry goes back to login with a message', async () => {
  await page.context().clearCookies();
  await page.goto(base + '/#/analyses');
  await page.waitForSelector('form.login-form');
  await page.goto(base + '/#/cases');
  await login('ui-analyst');
  // the server ends the session (logout elsewhere): the next call is 401
  await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    await fetch('/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } });
  });
  await page.goto(base + '/#/tuning');
  await page.waitForSelector('#login-msg .alert');
  const msg = await page.textContent('#login-msg');
  assert(msg.includes('セッションの有効期限が切れました'), 'expiry message: ' + msg);
  await shot('21-expired');
  await a11y('session expired');
});

await step('reporter: read-only lists', async () => {
  await login('ui-reporter');
  const nav = await navTexts();
  assert(nav.includes('検知事案') && !nav.includes('ログのアップロード'), 'reporter nav: ' + nav);
  await page.goto(base + '/#/case/1-3');
  await page.waitForSelector('[data-test=case-summary]');
  assert((await page.$$('form.triage')).length === 0, 'no triage form for a reporter');
  assert((await page.$$('table[data-test=cases] input[type=checkbox]')).length === 0, 'no selection');
  await shot('22-reporter-case');
  await a11y('case (reporter)');
});

await step('reporter: the 報告会 recorded, and printed in the minutes', async () => {
  await page.goto(base + '/#/reports?period=2024-10-01..2024-11-30');
  await page.waitForSelector('[data-test=meeting-form]');
  await a11y('reports (reporter)');
  const f = '[data-test=meeting-form] ';
  // A day two years later is refused, and the field marked.
  await page.fill(f + '[data-test=meeting-date]', '2027-05-01');
  await page.fill(f + '[data-test=meeting-place]', '市役所 本庁舎 5階 大会議室');
  await page.fill(f + '[data-test=meeting-attendees]', '情報政策課長 佐藤\n市民課長 山田\n\n受託者 点検担当 鈴木');
  await page.click(f + '[data-test=meeting-save]');
  await page.waitForSelector(f + '.alert.error');
  assert((await page.getAttribute(f + '[data-test=meeting-date]', 'aria-invalid')) === 'true', 'the date marked invalid');
  assert((await page.textContent(f + '.alert.error')).includes('2026-03-31'), 'the window named: ' + await page.textContent(f + '.alert.error'));
  await page.fill(f + '[data-test=meeting-date]', '2025-03-18');
  await page.click(f + '[data-test=meeting-save]');
  await page.waitForSelector(f + '[data-test=meeting-saved]');
  assert((await page.textContent(f + '[data-test=meeting-state]')).includes('ui-reporter'), 'who recorded it: ' + await page.textContent(f + '[data-test=meeting-state]'));
  await shot('35-reports-meeting');
  await a11y('reports (meeting saved)');
  await page.reload();
  await page.waitForSelector('[data-test=meeting-form]');
  assert((await page.inputValue(f + '[data-test=meeting-date]')) === '2025-03-18', 'the date after a reload');
  assert((await page.inputValue(f + '[data-test=meeting-attendees]')) === '情報政策課長 佐藤\n市民課長 山田\n受託者 点検担当 鈴木', 'the attendees, blank lines dropped');
  const [tab] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=minutes-html]')]);
  await tab.waitForLoadState();
  const body = await tab.textContent('body');
  assert(body.includes('2025年3月18日') && body.includes('市役所 本庁舎 5階 大会議室') && body.includes('受託者 点検担当 鈴木'),
    'the minutes print the meeting: ' + body.slice(body.indexOf('会議の概要'), body.indexOf('会議の概要') + 300));
  await tab.close();
  // Another year has none.
  await page.selectOption('[data-test=fiscal-year]', '2023');
  await until('the 2023 record', async () => (await page.$$('[data-test=meeting-form] [data-test=meeting-date]')).length === 1 && (await page.inputValue('[data-test=meeting-date]')) === '' || 'value ' + await page.inputValue('[data-test=meeting-date]'));
});

await step('admin: audit log', async () => {
  await page.click('[data-test=logout]');
  // The session ends when DELETE /api/v1/session answers: the login page
  // shows then. Loading the page before would keep the reporter's session.
  await page.waitForSelector('form.login-form');
  await login('ui-admin');
  assert((await navTexts()).includes('監査ログ'), 'admin nav has audit');
  await page.goto(base + '/#/audit');
  await page.waitForSelector('table[data-test=audit] tbody tr');
  await shot('23-audit');
  await a11y('audit');
  // Every page's chart images are audited reads too: filter for the changes.
  await page.goto(base + '/#/audit?action=' + encodeURIComponent('POST /api/v1/anomalies/{id}/triage'));
  await page.waitForSelector('table[data-test=audit] tbody tr td code');
  const txt = await page.textContent('table[data-test=audit]');
  assert(txt.includes('POST /api/v1/anomalies/{id}/triage'), 'the triage is audited: ' + txt.slice(0, 300));
  await page.goto(base + '/#/audit?action=anomaly.triage');
  await page.waitForSelector('table[data-test=audit] tbody tr td code');
  const bulk = await page.$$eval('table[data-test=audit] tbody tr', (r) => r.map((x) => x.textContent));
  assert(bulk.length === 2 && bulk.every((x) => x.includes('anomaly.triage') && x.includes('confirmed')), 'each case of the bulk triage audited: ' + bulk);
});

await step('admin: accounts', async () => {
  assert((await navTexts()).includes('アカウント'), 'admin nav has accounts');
  await page.goto(base + '/#/accounts');
  await page.waitForSelector('table[data-test=accounts] tbody tr[data-account=ui-analyst]');
  // A weak password: the server's reason next to the form, nothing added.
  await page.fill('[data-test=account-name]', 'ui-clerk');
  await page.selectOption('[data-test=account-role]', 'uploader');
  await page.fill('[data-test=account-password]', 'short-pw-1');
  await page.evaluate(() => document.querySelector('[data-test=account-password]').removeAttribute('minlength'));
  await page.click('form[data-test=account-add] button[type=submit]');
  await page.waitForSelector('[data-test=account-add-msg] .alert.error');
  assert((await page.$$('tr[data-account=ui-clerk]')).length === 0, 'a refused account is not listed');
  await page.fill('[data-test=account-password]', 'a clerk password of length');
  await page.click('form[data-test=account-add] button[type=submit]');
  await page.waitForSelector('tr[data-account=ui-clerk]');
  const row = await page.textContent('tr[data-account=ui-clerk]');
  assert(row.includes('アップロード担当') && row.includes('有効') && row.includes('ui-admin'), 'the new account: ' + row);
  await page.click('tr[data-account=ui-clerk] [data-test=account-disable]');
  await page.waitForSelector('tr[data-account=ui-clerk] [data-test=account-enable]');
  const st = await page.textContent('tr[data-account=ui-clerk] [data-test=account-state]');
  assert(st === '無効', 'disabled: ' + st);
  await page.click('tr[data-account=ui-clerk] [data-test=account-reset]');
  await page.waitForSelector('tr[data-account=ui-clerk] form.inline-form input[type=password]');
  await shot('24-accounts');
  await a11y('accounts');
  await page.fill('tr[data-account=ui-clerk] form.inline-form input[type=password]', 'a new clerk password here');
  await page.click('tr[data-account=ui-clerk] form.inline-form button[type=submit]');
  await page.waitForSelector('tr[data-account=ui-clerk] .alert.info');
  assert((await page.$$('tr[data-account=ui-clerk] form.inline-form')).length === 0, 'the reset form closes');
});

await step('every page visited was checked by axe', async () => {
  for (const p of ['login', 'upload', 'cases', 'case', 'entity', 'tuning', 'reports', 'confirmations', 'audit', 'accounts', 'cases (English)', 'case (English)', 'reports (English)'])
    assert(a11yPages.includes(p), 'axe did not check ' + p + '; checked: ' + a11yPages.join(', '));
});

await step('no request left 127.0.0.1', async () => {
  assert(foreign.length === 0, 'requests elsewhere: ' + foreign.join(', '));
});

await browser.close();
console.log(failed ? `${failed} step(s) failed` : 'all steps passed');
process.exit(failed ? 1 : 0);
