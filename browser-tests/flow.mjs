// The sign-in pages of a running auth-service in a real headless Chromium: authorization code with PKCE,
// password, TOTP second factor, consent, code exchange; then the account page (create a personal access
// token, shown once). Driven by BrowserFlowIT; runnable by hand against any auth-service started with
// FORGE_SESSION_SECURE_COOKIE=false and FORGE_ISSUER=<its own base URL>:
//
//   BASE_URL=http://127.0.0.1:8081 ADMIN_CLIENT_ID=forge-admin ADMIN_CLIENT_SECRET=forge-admin-secret node flow.mjs
//
// Environment: BASE_URL, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET (required); CHROMIUM_PATH (/usr/bin/chromium);
// SCREENSHOT_DIR (target/screenshots next to this file); USER_EMAIL, USER_PASSWORD (a fresh demo user).
// Exit code 0 when every check passed, 1 otherwise (with a screenshot of the failing page).

import { chromium } from 'playwright-core';
import * as oauth from 'oauth4webapi';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = required('BASE_URL').replace(/\/$/, '');
const ADMIN_ID = required('ADMIN_CLIENT_ID');
const ADMIN_SECRET = required('ADMIN_CLIENT_SECRET');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = resolve(process.env.SCREENSHOT_DIR || join(here, 'target', 'screenshots'));
const PASSWORD = process.env.USER_PASSWORD || 'violet-kettle-harbour-42';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const started = Date.now();
function log(msg) {
  console.log(`[flow +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}
function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`flow: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
}
function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}
function jwtPart(jwt, i) {
  return JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString('utf8'));
}

// --- RFC 6238 TOTP: HMAC-SHA-1, 6 digits, 30-second steps ---------------------------------------------
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
const step = (ms = Date.now()) => Math.floor(ms / 1000 / 30);
function totp(secret, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', secret).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}
// RFC 6238 Appendix B (SHA-1, 8 digits there; the low 6 digits of the same value here)
check(totp(Buffer.from('12345678901234567890'), 1) === '287082', 'TOTP test vector (T=59)');

// --- HTTP helpers (the script's own calls, outside the browser) ---------------------------------------
async function call(method, path, { bearer, basic, json, form } = {}) {
  const headers = {};
  let body;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (basic) headers.Authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const r = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, data };
}
function expectStatus(r, status, what) {
  check(r.status === status, `${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  return r.data;
}

// --- the callback of the "application": a tiny local HTTP server that captures ?code=&state= ----------
function startCallbackServer() {
  let resolveHit;
  const hit = new Promise((res) => { resolveHit = res; });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    resolveHit(Object.fromEntries(url.searchParams));
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>Browser Test App</title><h1>Signed in</h1><p>The application received its code.</p>');
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ server, hit, port: server.address().port })));
}

let context;
let page;
let callback;
const consoleErrors = [];
const profile = mkdtempSync(join(tmpdir(), 'forge-chromium-'));

async function shot(name) {
  const file = join(SHOTS, `${name}.png`);
  // a new credential is blurred in the picture (the page itself shows it in full)
  await page.screenshot({ path: file, fullPage: true, style: '#new-secret { filter: blur(5px); }' });
  log(`screenshot ${file}`);
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  log(`auth-service at ${BASE}; Chromium ${CHROMIUM}; screenshots in ${SHOTS}`);

  // 1. set-up through the admin API: an app (public client) and a user with TOTP on
  const admin = expectStatus(await call('POST', '/oauth/token', { basic: [ADMIN_ID, ADMIN_SECRET],
    form: { grant_type: 'client_credentials' } }), 200, 'admin token').access_token;
  callback = await startCallbackServer();
  const redirectUri = `http://127.0.0.1:${callback.port}/callback`;
  const client = expectStatus(await call('POST', '/admin/clients', { bearer: admin, json: {
    client_name: 'Browser Test App', grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [redirectUri], scope: 'deployment:read deployment:write', token_endpoint_auth_method: 'none',
  } }), 201, 'register client');
  check(!client.client_secret, 'a public client has no secret');
  log(`client ${client.client_id} -> ${redirectUri}`);

  let email = process.env.USER_EMAIL || 'dana.reyes@example.com';
  let created = await call('POST', '/admin/users', { bearer: admin,
    json: { email, password: PASSWORD, scopes: ['deployment:read', 'deployment:write'] } });
  if (created.status === 409 && !process.env.USER_EMAIL) {
    email = `dana.reyes+${randomBytes(3).toString('hex')}@example.com`; // a rerun against the same database
    created = await call('POST', '/admin/users', { bearer: admin,
      json: { email, password: PASSWORD, scopes: ['deployment:read', 'deployment:write'] } });
  }
  const user = expectStatus(created, 201, 'create user');
  log(`user ${user.id} ${email}`);

  const login = expectStatus(await call('POST', '/auth/login', { json: { email, password: PASSWORD } }), 200, 'login');
  const enrol = expectStatus(await call('POST', '/auth/mfa/totp', { bearer: login.access_token }), 200, 'TOTP enrol');
  check(enrol.otpauth_uri.startsWith('otpauth://totp/'), `otpauth URI: ${enrol.otpauth_uri}`);
  const secret = base32Decode(enrol.secret);
  const enrolStep = step();
  const activated = expectStatus(await call('POST', '/auth/mfa/totp/verify', { bearer: login.access_token,
    json: { code: totp(secret, enrolStep) } }), 200, 'TOTP verify');
  check(Array.isArray(activated.backup_codes) && activated.backup_codes.length === 10, 'ten backup codes');
  const mfaLogin = expectStatus(await call('POST', '/auth/login', { json: { email, password: PASSWORD } }), 200,
    'login after TOTP');
  check(mfaLogin.mfa_required === true && mfaLogin.mfa_token, 'the API login now asks for the second factor');
  log('TOTP on');

  // 2. the browser
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 720 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US',
  });
  page = context.pages()[0] || await context.newPage();
  // HTTP statuses are checked where they matter; the console must show nothing else (no CSP violation etc.)
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path !== '/favicon.ico' && !(path === '/login' && r.status() === 401)) {
      consoleErrors.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
    }
  });
  log(`Chromium ${context.browser()?.version() ?? ''} up`);

  // the application's side is an independent OAuth/OIDC client library (oauth4webapi), not our code:
  // discovery, PKCE, the callback's iss/state checks (RFC 9207), the code exchange and ID token checks
  const insecure = { [oauth.allowInsecureRequests]: BASE.startsWith('http:') }; // the local stack is plain http
  const issuer = new URL(BASE);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  check(as.authorization_endpoint === `${BASE}/oauth/authorize`, `discovery: ${as.authorization_endpoint}`);
  const app = { client_id: client.client_id };
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const authorize = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri,
    scope: 'openid deployment:read', state, nonce, code_challenge: challenge, code_challenge_method: 'S256' })) {
    authorize.searchParams.set(k, v);
  }

  // login page
  const loginResponse = await page.goto(authorize.href);
  check(loginResponse.status() === 200, `login page status ${loginResponse.status()}`);
  const headers = loginResponse.headers();
  check(headers['content-security-policy'], 'login page has a Content-Security-Policy');
  check(headers['x-frame-options'] === 'DENY', 'login page: X-Frame-Options DENY');
  check(await page.title() === 'Sign in · Forge Auth', `login page title: ${await page.title()}`);
  check((await page.textContent('main')).includes('Browser Test App'), 'login page names the application');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  check(await page.isVisible('#email') && await page.isVisible('#password'), 'email and password fields visible');
  await shot('login');
  // a wrong password first: the same page again, with a message, still usable
  await page.fill('#password', 'not-the-password-at-all');
  const refused = page.waitForResponse((r) => r.url() === `${BASE}/login` && r.request().method() === 'POST');
  await page.click('button[type=submit]');
  check((await refused).status() === 401, 'a wrong password answers 401');
  const alert = await page.textContent('[role=alert]');
  check(alert && alert.includes('The email or password is wrong.'), `wrong password message: ${alert}`);
  log('a wrong password is refused on the page');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);

  // second factor
  const toMfa = page.waitForResponse((r) => r.url() === `${BASE}/login` && r.request().method() === 'POST');
  await page.click('button[type=submit]');
  check((await toMfa).status() === 200, 'password accepted');
  await page.waitForSelector('#code');
  check((await page.textContent('h1')).trim() === 'Two-step verification', 'MFA page heading');
  // the code of the step after the enrolment's (each step works once per account; ±1 step of skew)
  const code = totp(secret, Math.max(enrolStep + 1, step()));
  await page.fill('#code', code);
  await shot('mfa');

  // consent
  const toConsent = page.waitForResponse((r) => r.url() === `${BASE}/login/mfa` && r.request().method() === 'POST');
  await page.click('button[type=submit]');
  const consentResponse = await toConsent;
  check(consentResponse.status() === 200, `TOTP code accepted (status ${consentResponse.status()})`);
  await page.waitForSelector('button[value=approve]');
  const heading = (await page.textContent('h1')).trim();
  check(heading === 'Allow Browser Test App?', `consent heading: ${heading}`);
  const scopes = await page.$$eval('ul.scopes li', (els) => els.map((e) => e.textContent.trim()));
  check(JSON.stringify(scopes) === JSON.stringify(['openid', 'deployment:read']), `consent scopes ${scopes}`);
  check((await page.textContent('main')).includes(email), 'consent page names the user');
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === 'df_session');
  check(session, 'df_session cookie set after the second factor');
  check(session.httpOnly && session.sameSite === 'Lax' && session.path === '/', `cookie flags ${JSON.stringify(session)}`);
  await shot('consent');

  // allow -> back to the application with the code
  await Promise.all([page.waitForURL((u) => u.href.startsWith(redirectUri)), page.click('button[value=approve]')]);
  const q = await callback.hit;
  check(q.state === state, `state round-trips (${q.state})`);
  check(q.iss === BASE, `iss parameter (RFC 9207): ${q.iss}`);
  check(q.code, 'a code');
  check(!q.error, `no error: ${q.error}`);
  log('redirected to the application with a code');

  // 3. the application exchanges the code (PKCE verifier, public client), with oauth4webapi
  const callbackParams = oauth.validateAuthResponse(as, app, new URLSearchParams(q), state);
  const tokenResponse = await oauth.authorizationCodeGrantRequest(as, app, oauth.None(), callbackParams, redirectUri,
    verifier, insecure);
  check(tokenResponse.headers.get('cache-control') === 'no-store', 'token response: Cache-Control no-store');
  const tokens = await oauth.processAuthorizationCodeResponse(as, app, tokenResponse, { expectedNonce: nonce,
    requireIdToken: true });
  await oauth.validateApplicationLevelSignature(as, tokenResponse, insecure); // the ID token's RS256 signature
  check(tokens.token_type.toLowerCase() === 'bearer' && tokens.refresh_token && tokens.id_token,
    'access, refresh and ID tokens');
  const idClaims = oauth.getValidatedIdTokenClaims(tokens);
  check(idClaims.iss === BASE, `ID token iss ${idClaims.iss}`);
  check(idClaims.sub === user.id, 'ID token sub');
  check([].concat(idClaims.aud).includes(client.client_id), 'ID token aud');
  check(idClaims.nonce === nonce, 'ID token nonce');
  check(JSON.stringify(idClaims.amr) === JSON.stringify(['pwd', 'otp']), `ID token amr ${idClaims.amr}`);
  check(jwtPart(tokens.access_token, 0).typ === 'at+jwt', 'access token typ at+jwt');
  const atClaims = jwtPart(tokens.access_token, 1);
  check(atClaims.client_id === client.client_id && atClaims.scope === 'openid deployment:read', 'access token claims');
  const userinfo = await oauth.processUserInfoResponse(as, app, user.id,
    await oauth.userInfoRequest(as, app, tokens.access_token, insecure));
  check(userinfo.sub === user.id, 'userinfo sub');
  log('code exchanged; ID token and userinfo check out');

  // 4. the account page, same browser (session cookie)
  const accountResponse = await page.goto(`${BASE}/account`);
  check(accountResponse.status() === 200, `account page status ${accountResponse.status()}`);
  check((await page.textContent('h1')).trim() === 'Your account', 'account page heading');
  check((await page.textContent('main')).includes(email), 'account page shows the user');
  check((await page.textContent('main')).includes(client.client_id), 'account page lists the authorised application');
  const patForm = 'form[action$="/account/tokens"]:has(input[name=kind][value=pat])';
  await page.fill(`${patForm} #pat-name`, 'build laptop');
  await page.fill(`${patForm} #pat-days`, '30');
  const toCreated = page.waitForResponse((r) => r.url() === `${BASE}/account/tokens` && r.request().method() === 'POST');
  await page.click(`${patForm} button[type=submit]`);
  check((await toCreated).status() === 201, 'PAT created');
  await page.waitForSelector('#new-secret');
  const pat = (await page.textContent('#new-secret')).trim();
  check(/^dfpat_[0-9A-Za-z]{38}$/.test(pat), `the new PAT is shown: ${pat.slice(0, 12)}…`);
  const listed = await page.$$eval('table', (ts) => ts[0].innerText);
  check(listed.includes('build laptop'), `the PAT is listed: ${listed}`);
  await shot('account');
  log('PAT created and shown once on the page');

  // the API sees it too (name, no value)
  const relogin = expectStatus(await call('POST', '/auth/login/mfa', { json: { mfa_token:
    expectStatus(await call('POST', '/auth/login', { json: { email, password: PASSWORD } }), 200, 'login').mfa_token,
    code: activated.backup_codes[0] } }), 200, 'login with a backup code');
  const apiList = expectStatus(await call('GET', '/auth/tokens', { bearer: relogin.access_token }), 200, 'list PATs');
  check(Array.isArray(apiList) && apiList.some((t) => t.name === 'build laptop'), `the API lists the PAT: ${JSON.stringify(apiList)}`);
  check(!JSON.stringify(apiList).includes(pat), 'the API list does not show the value');

  // open the account page again: listed, value gone
  await page.goto(`${BASE}/account`);
  const again = await page.content();
  check(again.includes('build laptop'), 'the PAT is still listed');
  check(!again.includes(pat), 'the PAT value is not shown again');
  check(!(await page.isVisible('#new-secret')), 'no secret box on a plain visit');
  log('the PAT is listed and its value not shown again');

  check(consoleErrors.length === 0, `browser errors: ${consoleErrors.join(' | ')}`);
}

let failed = false;
try {
  await main();
  log('all checks passed');
} catch (e) {
  failed = true;
  console.error(`flow: FAILED: ${e && e.stack || e}`);
  if (page) {
    try {
      console.error(`flow: page ${page.url()}\n${(await page.innerText('body')).slice(0, 2000)}`);
      await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true });
      console.error(`flow: screenshot ${join(SHOTS, 'failure.png')}`);
    } catch { /* the page is gone */ }
  }
} finally {
  if (context) await context.close().catch(() => {});
  if (callback) callback.server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
