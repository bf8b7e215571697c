// A person completing `forge login` in a real headless Chromium, through the front door: opens
// BASE_URL/device, signs in on the form, lands back on BASE_URL/device (issue 13, finding 1: the sign-in
// used to redirect to the upstream's host), types the code the CLI printed, checks the confirmation page
// and allows it. Every request the browser makes must go to BASE_URL's origin. Driven by DeviceLoginIT:
//
//   BASE_URL=http://localhost:8080 USER_CODE=BCDF-GHJK USER_EMAIL=… USER_PASSWORD=… node device.mjs
//
// Environment: BASE_URL, USER_CODE, USER_EMAIL, USER_PASSWORD (required); CHROMIUM_PATH (/usr/bin/chromium);
// SCREENSHOT_DIR (target/screenshots next to this file). Exit code 0 when every check passed, 1 otherwise
// (with a screenshot of the failing page in SCREENSHOT_DIR/device-failure.png).

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = required('BASE_URL').replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const USER_CODE = required('USER_CODE');
const EMAIL = required('USER_EMAIL');
const PASSWORD = required('USER_PASSWORD');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = resolve(process.env.SCREENSHOT_DIR || join(here, 'target', 'screenshots'));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const started = Date.now();
function log(msg) {
  console.log(`[device +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}
function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`device: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
}
function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

let context;
let page;
const problems = [];
const profile = mkdtempSync(join(tmpdir(), 'forge-chromium-device-'));

async function submit(selector, method = 'POST') {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return response;
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  log(`front door ${BASE}; Chromium ${CHROMIUM}; code ${USER_CODE}`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 720 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US',
  });
  page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  // the browser never leaves the front door: no request (redirect targets included) to another origin
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && new URL(r.url()).origin !== ORIGIN) {
      problems.push(`${r.method()} ${r.url()} is not on the front door ${ORIGIN}`);
    }
  });
  page.on('response', (r) => {
    const location = r.headers().location;
    if (location && new URL(location, r.url()).origin !== ORIGIN) {
      problems.push(`${r.url()} redirects to ${location}, off the front door`);
    }
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path !== '/favicon.ico') {
      problems.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
    }
  });

  // 1. the verification URI the CLI printed, without the code: the sign-in form
  const first = await page.goto(`${BASE}/device`);
  check(first.status() === 200, `GET /device: ${first.status()}`);
  await page.waitForSelector('#email');
  check(await page.title() === 'Sign in · Forge Auth', `sign-in page title: ${await page.title()}`);
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);

  // 2. sign in: 303 to the front door's /device, then the code form
  const signIn = await submit('button[type=submit]');
  check(signIn.url() === `${BASE}/login`, `the form posted to ${signIn.url()}`);
  const redirect = signIn.request().redirectedTo();
  check(redirect, `POST /login answered ${signIn.status()} without a redirect`);
  await page.waitForSelector('#user_code');
  check(page.url() === `${BASE}/device`, `after sign-in the browser is at ${page.url()}, not ${BASE}/device`);
  const cookies = await context.cookies(BASE);
  check(cookies.some((c) => c.name === 'df_session' && c.httpOnly), 'a df_session cookie for the front door');
  log(`signed in; back at ${page.url()}`);
  await page.screenshot({ path: join(SHOTS, 'device-enter.png'), fullPage: true });

  // 3. type the code (lower case, without the dash: the page normalises it)
  await page.fill('#user_code', USER_CODE.toLowerCase().replace('-', ''));
  const entered = await submit('button[type=submit]');
  check(entered.status() === 200, `code entry answered ${entered.status()}`);
  await page.waitForSelector('button[value=approve]');
  const main = await page.textContent('main');
  check(main.includes(USER_CODE), `the confirmation page shows ${USER_CODE}`);
  check(main.includes(EMAIL), 'the confirmation page names the user');
  await page.screenshot({ path: join(SHOTS, 'device-confirm.png'), fullPage: true });
  log('confirmation page shown');

  // 4. allow
  const decided = await submit('button[value=approve]');
  check(decided.status() === 200, `approval answered ${decided.status()}`);
  const done = await page.textContent('main');
  check(!/not valid|expired/i.test(done), `approval page: ${done.trim().slice(0, 200)}`);
  await page.screenshot({ path: join(SHOTS, 'device-done.png'), fullPage: true });
  log(`approved: ${done.trim().replace(/\s+/g, ' ').slice(0, 120)}`);

  check(problems.length === 0, `browser problems: ${problems.join(' | ')}`);
}

let failed = false;
try {
  await main();
  log('all checks passed');
} catch (e) {
  failed = true;
  console.error(`device: FAILED: ${e && e.stack || e}`);
  if (problems.length) console.error(`device: also seen: ${problems.join(' | ')}`);
  if (page) {
    try {
      console.error(`device: page ${page.url()}\n${(await page.innerText('body')).slice(0, 2000)}`);
      await page.screenshot({ path: join(SHOTS, 'device-failure.png'), fullPage: true });
    } catch { /* the page is gone */ }
  }
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
