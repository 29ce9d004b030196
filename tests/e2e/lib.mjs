// lib.mjs — helpers for the end-to-end tests: a real `xunji serve` on a free
// loopback port over a fresh demo database (like tests/api/lib.py), serving the
// built UI (web/dist); Debian's Chromium driven by playwright-core (headless,
// no browser download); sign-in as a demo account including the forced
// password change; a tiny test registry that screenshots failures into tests/out/.
// Page errors and CSP refusals fail every test; every other console error (a
// request the server refused) is collected in page.consoleErrors from sign-in on,
// and a test asserts a clean walk with expectNoConsoleErrors(page, ...).
import { spawn, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, rmSync, mkdirSync, openSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const root = path.resolve(here, '../..')
const require = createRequire(path.join(root, 'web/package.json'))
const { chromium } = require('playwright-core')

export const BIN = path.resolve(root, process.env.XUNJI_BIN || 'build/release/xunji')
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
export const NEW_PASSWORD = 'Patrol#Strong-2026'
export const OUT = path.join(root, 'tests/out')

const tests = []
export function test(name, fn) {
  tests.push({ name, fn })
}

// Password hashes cost 1000 PBKDF2 iterations instead of production's 100,000
// (test_pbkdf2_iterations, refused outside test mode; a hash records its own
// count), for the demo accounts and every sign-in; tests/api covers the
// production count.
const TEST_KDF_ENV = { XUNJI_TEST_MODE: '1', XUNJI_TEST_PBKDF2_ITERATIONS: '1000' }

export class Server {
  constructor(settings = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'xunji-e2e-'))
    this.db = path.join(this.dir, 't.db')
    const acc = path.join(this.dir, 'accounts.json')
    execFileSync(BIN, ['init', '--demo', '--db', this.db, '--accounts-file', acc], {
      stdio: 'ignore',
      env: { ...process.env, ...TEST_KDF_ENV },
    })
    this.ids = JSON.parse(readFileSync(acc, 'utf8'))
    this.accounts = this.ids.accounts
    // the second factor (issue 18) is on by default in production; the walks
    // written before its screens run with it off, test_2fa.mjs turns it on
    this.settings = {
      web_root: path.join(root, 'web/dist'),
      require_2fa_admin: 0,
      require_2fa_sensitive: 0,
      max_sessions: 0,
      // no deadline reminders at start-up (tests/api/test_reminders.py covers them)
      remind_interval_minutes: 0,
      ...settings,
    }
    this.changed = new Set()
  }

  async start() {
    const args = ['serve', '--db', this.db, '--listen', '127.0.0.1:0']
    for (const [k, v] of Object.entries(this.settings)) args.push('--set', `${k}=${v}`)
    const log = openSync(path.join(this.dir, 'server.log'), 'a')
    // the server dies with this process even when it is killed (PR_SET_PDEATHSIG)
    const cmd = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', BIN] : [BIN]
    // test mode: the test clock (test_clock_days, shiftClock) and the cheaper password hash
    const env = { ...process.env, ...TEST_KDF_ENV }
    this.proc = spawn(cmd[0], [...cmd.slice(1), ...args], { stdio: ['ignore', 'pipe', log], env })
    this.port = await new Promise((resolve, reject) => {
      let buf = ''
      const t = setTimeout(() => reject(new Error('server did not start')), 15000)
      this.proc.stdout.on('data', (d) => {
        buf += d
        const m = buf.match(/http:\/\/127\.0\.0\.1:(\d+)\//)
        if (m) {
          clearTimeout(t)
          resolve(Number(m[1]))
        }
      })
      this.proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${buf}`)))
    })
    this.url = `http://127.0.0.1:${this.port}`
    return this
  }

  // Lets time pass: restarts the server with its clock `days` later (the
  // test_clock_days setting; the database is kept). Sign in again afterwards:
  // the sessions have expired by then and the port has changed.
  async shiftClock(days) {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r))
      this.proc.kill('SIGTERM')
      await done
    }
    this.settings.test_clock_days = days
    return this.start()
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r))
      this.proc.kill('SIGTERM')
      await done
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  password(login) {
    return this.changed.has(login) ? NEW_PASSWORD : this.accounts[login].password
  }
}

// A script client of the API (session cookie + CSRF), for the set-up steps that
// are not the point of a test; it changes the one-time password like signIn.
export async function apiAs(s, login) {
  let cookie = ''
  let csrf = ''
  async function call(method, p, body) {
    const headers = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (cookie) headers.Cookie = cookie
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf
    const res = await fetch(`${s.url}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const sc = res.headers.get('set-cookie')
    const m = sc && sc.match(/^([^=]+)=([^;]*)/)
    if (m) cookie = `${m[1]}=${m[2]}`
    const text = await res.text()
    if (!res.ok) throw new Error(`${login}: ${method} ${p} → HTTP ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  const r = await call('POST', '/auth/login', { login, password: s.password(login) })
  csrf = r.csrf_token
  if (r.must_change_password) {
    await call('POST', '/auth/password', { old_password: s.password(login), new_password: NEW_PASSWORD })
    s.changed.add(login)
  }
  return { get: (p) => call('GET', p), post: (p, b = {}) => call('POST', p, b), patch: (p, b) => call('PATCH', p, b) }
}

export const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())

let browser = null
export async function getBrowser() {
  if (!browser)
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  return browser
}

// A fresh browser context (its own cookies) with a 1366×768 viewport; records
// page errors and Content-Security-Policy violations so tests can assert none.
export async function newPage(ctx) {
  const b = await getBrowser()
  const context = await b.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  page.setDefaultTimeout(10000)
  page.problems = []
  page.consoleErrors = [] // every console error (failed requests too), for expectNoConsoleErrors
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    const where = m.location()?.url ? ` (${m.location().url})` : ''
    page.consoleErrors.push(`${m.text()}${where}`)
    if (/Content Security Policy|Refused to/.test(m.text())) page.problems.push(`csp: ${m.text()}`)
  })
  ctx.pages.push(page)
  return page
}

// Signs in as a demo account; at the first sign-in the one-time password must
// be changed, which the UI forces (the password page) and this does.
export async function signIn(ctx, s, login) {
  const page = await newPage(ctx)
  await page.goto(`${s.url}/login`)
  await page.fill('input[name=login]', login)
  await page.fill('input[name=password]', s.password(login))
  await page.click('.login-submit')
  if (!s.changed.has(login)) {
    await page.waitForURL('**/password')
    await page.locator('.forced').waitFor()
    await page.fill('input[name=old_password]', s.accounts[login].password)
    await page.fill('input[name=new_password]', NEW_PASSWORD)
    await page.fill('input[name=confirm]', NEW_PASSWORD)
    await page.click('.password-submit')
    s.changed.add(login)
  }
  await page.waitForURL((u) => new URL(u).pathname === '/')
  await page.locator('.topbar .who').waitFor()
  // the walk starts here: the sign-in page's own asking (GET /me answers 401 before
  // sign-in, the browser's favicon probe) is not the role's walk
  page.consoleErrors.length = 0
  return page
}

// Picks an option in an Element Plus select inside the form item labelled `label`.
export async function choose(page, label, optionText, scope = page.locator('.el-dialog:visible')) {
  const item = scope.locator('.el-form-item').filter({ has: page.locator(`label:text-is("${label}")`) })
  await item.locator('.el-select__wrapper').click()
  const opt = page.locator('.el-select-dropdown:visible .el-select-dropdown__item').filter({ hasText: optionText }).first()
  await opt.click()
}

export async function fillField(page, label, value, scope = page.locator('.el-dialog:visible')) {
  const item = scope.locator('.el-form-item').filter({ has: page.locator(`label:text-is("${label}")`) })
  const input = item.locator('input, textarea').first()
  await input.fill(value)
  await input.press('Tab')
}

// No console error at all on the page so far (a 4xx/5xx the UI asked for shows
// as "Failed to load resource" with the URL): a walk a role does without
// calling what it may not.
export function expectNoConsoleErrors(...pages) {
  const all = pages.flatMap((p) => p.consoleErrors.map((e) => `${new URL(p.url()).pathname}: ${e}`))
  expect(!all.length, `控制台错误: ${all.join(' | ')}`)
}

export function expect(cond, msg) {
  if (!cond) throw new Error(`断言失败: ${msg}`)
}

export async function runAll(name) {
  mkdirSync(OUT, { recursive: true })
  let passed = 0
  let failed = 0
  const only = process.argv[2]
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue
    const ctx = { pages: [] }
    const t0 = Date.now()
    try {
      await t.fn(ctx)
      for (const p of ctx.pages) expect(!p.problems.length, `页面错误或 CSP 拒绝: ${p.problems.join(' | ')}`)
      passed++
      console.log(`ok   ${name}.${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`)
    } catch (e) {
      failed++
      console.log(`FAIL ${name}.${t.name}`)
      console.log(e && e.stack ? e.stack : e)
      for (const [i, p] of ctx.pages.entries()) {
        const shot = path.join(OUT, `e2e-${t.name}-${i}.png`)
        try {
          await p.screenshot({ path: shot, fullPage: true })
          console.log(`     screenshot: ${path.relative(root, shot)} (${p.url()})`)
        } catch {
          /* page already closed */
        }
      }
    } finally {
      for (const p of ctx.pages) await p.context().close().catch(() => {})
    }
  }
  return { passed, failed }
}

export async function closeBrowser() {
  if (browser) await browser.close()
  browser = null
}
