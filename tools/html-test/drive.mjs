// Drives jgrad's backprop page (HtmlExport) in a real headless Chromium and checks, at every
// step, the highlighted node and the gradients shown against the JSON the Java side wrote.
//
//   node drive.mjs --chromium /usr/bin/chromium --page backprop.html --data backprop.json \
//                  [--screenshot shot.png] [--screenshot-step K]
//
// Exit status 0 when every check passed, 1 otherwise. Chromium is started here with a fixed
// set of flags and an empty profile, and Playwright attaches to it over the DevTools protocol.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const opts = {};
for (let i = 2; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const required of ['chromium', 'page', 'data']) {
  if (!opts[required]) { console.error(`drive.mjs: --${required} is required`); process.exit(2); }
}
const data = JSON.parse(readFileSync(opts.data, 'utf8'));
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
const eq = (actual, expected, what) => check(JSON.stringify(actual) === JSON.stringify(expected),
  `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);

const profile = mkdtempSync(join(tmpdir(), 'jgrad-chromium-'));
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', '--window-size=1600,900', 'about:blank'];
const proc = spawn(opts.chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
let browser;
try {
  const ws = await new Promise((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error('Chromium did not open its DevTools port in 60 s:\n' + err)), 60000);
    proc.stderr.on('data', (chunk) => {
      err += chunk;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`Chromium exited (${code}) before it was ready:\n${err}`)); });
  });
  browser = await chromium.connectOverCDP(ws);
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize({ width: 1600, height: 900 });
  const external = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url === 'about:blank') return route.continue();
    external.push(url);
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(pathToFileURL(resolve(opts.page)).href);

  const state = () => page.evaluate(() => {
    const text = (sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; };
    const all = (sel) => Array.from(document.querySelectorAll(sel));
    return {
      active: all('.node.active').map((n) => n.id),
      receiving: all('.node.receiving').map((n) => n.id).sort(),
      flowEdges: all('.edge.flow').map((e) => e.dataset.from + '>' + e.dataset.to),
      counter: text('#step-counter'), title: text('#node-title'), rule: text('#rule-name'),
      forward: text('#forward'), backward: text('#backward'), upstream: text('#upstream'),
      sent: all('#sent li').map((li) => li.textContent), leaves: all('#leaves li').map((li) => li.textContent),
      grads: Object.fromEntries(all('.node .grad').map((g) => [g.id, g.textContent])),
      prevDisabled: document.getElementById('prev').disabled, nextDisabled: document.getElementById('next').disabled,
    };
  });

  const n = data.steps.length;
  const expectedGrads = (k) => {   // what each gradient line should read after step k
    const g = {};
    for (const node of data.nodes) if (node.drawn && node.kind !== 'INPUT') g['g' + node.id] = 'grad —';
    for (let i = 0; i <= k; i++) {
      const s = data.steps[i];
      g['g' + s.node] = 'grad ' + s.upstreamShort;
      for (const l of s.leaves) g['g' + l.id] = 'grad ' + l.gradShort;
    }
    return g;
  };
  const drawn = new Set(data.nodes.filter((x) => x.drawn).map((x) => x.id));
  const verify = async (k, how) => {
    const st = await state();
    const where = `${how} step ${k + 1}/${n}`;
    const grads = expectedGrads(k);
    for (const id of Object.keys(grads)) eq(st.grads[id], grads[id], `${where}: ${id}`);
    if (k < 0) {
      eq(st.active, [], `${where}: no active node before the pass`);
      eq(st.counter, 'Forward pass', `${where}: counter`);
      eq(st.prevDisabled, true, `${where}: Previous disabled`);
      return;
    }
    const s = data.steps[k];
    eq(st.active, ['n' + s.node], `${where}: highlighted node`);
    eq(st.counter, `Step ${k + 1} of ${n}`, `${where}: counter`);
    eq(st.title, s.heading, `${where}: title`);
    eq(st.rule, s.rule, `${where}: rule`);
    eq(st.forward, s.forward, `${where}: forward formula`);
    eq(st.backward, s.backward, `${where}: backward formula`);
    eq(st.upstream, s.upstream, `${where}: upstream gradient`);
    eq(st.sent, s.sent.length ? s.sent.map((x) => `∂L/∂${x.role} = ${x.value}  → ${x.heading}`)
      : ['nothing (no input needs a gradient)'], `${where}: gradients sent`);
    eq(st.leaves, s.leaves.length ? s.leaves.map((l) => `${l.heading}.grad = ${l.grad}`) : ['none'], `${where}: leaf grads`);
    const targets = [...new Set(s.sent.filter((x) => drawn.has(x.to)).map((x) => x.to))];
    eq(st.receiving, targets.map((t) => 'n' + t).sort(), `${where}: nodes receiving gradients`);
    for (const t of targets) check(st.flowEdges.includes(`${t}>${s.node}`), `${where}: edge ${t}→${s.node} not highlighted`);
    eq(st.nextDisabled, k === n - 1, `${where}: Next disabled only at the end`);
  };

  await verify(-1, 'start');
  const shotAt = opts['screenshot-step'] !== undefined ? Number(opts['screenshot-step']) : Math.floor(n / 2);
  for (let k = 0; k < n; k++) {
    await page.click('#next');
    await verify(k, 'Next');
    if (opts.screenshot && k === shotAt) {
      await page.screenshot({ path: opts.screenshot });
      console.log(`screenshot of step ${k + 1}/${n} written to ${opts.screenshot}`);
    }
  }
  for (let k = n - 2; k >= -1; k--) {
    await page.click('#prev');
    await verify(k, 'Previous');
  }
  await page.keyboard.press('End');
  await verify(n - 1, 'End key');
  eq(external, [], 'requests outside the page');
  eq(errors, [], 'script errors');
  console.log(`html-test: ${n} steps checked with Next, then back with Previous, in ${await browser.version()}: `
    + (failures.length ? `${failures.length} failures` : 'all good'));
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (proc.exitCode === null) {
    await new Promise((ok) => { const t = setTimeout(ok, 10000); proc.once('exit', () => { clearTimeout(t); ok(); }); proc.kill(); });
  }
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* a leftover temp dir is harmless */ }
}
for (const f of failures.slice(0, 30)) console.error('FAIL ' + f);
process.exit(failures.length ? 1 : 0);
