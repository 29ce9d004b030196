// test_auth.mjs — sign-in as users meet it: the server's one plain Chinese message
// for a wrong password and a locked account, the forced password change with
// the policy error next to the field, no secrets in web storage, sign-out.
import { test, Server, newPage, signIn, expect, NEW_PASSWORD } from './lib.mjs'

async function tryLogin(page, login, password) {
  await page.fill('input[name=login]', login)
  await page.fill('input[name=password]', password)
  await page.click('.login-submit')
}

test('sign_in_errors_lockout_and_forced_password_change', async (ctx) => {
  const s = await new Server().start()
  try {
    const page = await newPage(ctx)
    await page.goto(`${s.url}/r/clues`)
    await page.waitForURL('**/login?next=**') // signed out: the sign-in page, then back
    await tryLogin(page, 'office', 'wrong-password')
    await page.locator('.login-error', { hasText: '登录名或密码错误' }).waitFor()

    // five failures lock the account; the sixth attempt, even with the right password, gets the
    // very answer of a wrong one (nothing tells which logins exist), whose message states the rule
    for (let i = 0; i < 4; i++) {
      await tryLogin(page, 'petitions', `wrong-${i}`)
      await page.locator('.login-error', { hasText: '登录名或密码错误' }).waitFor()
    }
    await tryLogin(page, 'petitions', 'wrong-4')
    await tryLogin(page, 'petitions', s.accounts.petitions.password)
    await page.locator('.login-error', { hasText: '连续失败 5 次的账号将锁定 15 分钟' }).waitFor()
    await page.waitForTimeout(1000)
    expect(new URL(page.url()).pathname === '/login', `a locked account stays on the sign-in page: ${page.url()}`)

    // the one-time password leads to the forced change; a weak password is
    // refused by the server and its reason shown next to the new-password field
    await tryLogin(page, 'office', s.accounts.office.password)
    await page.waitForURL('**/password')
    await page.locator('.forced', { hasText: '须先修改密码' }).waitFor()
    await page.goto(`${s.url}/r/rounds`) // nothing else is reachable until then
    await page.waitForURL('**/password')
    await page.fill('input[name=old_password]', s.accounts.office.password)
    await page.fill('input[name=new_password]', 'officeofficeoffice')
    await page.fill('input[name=confirm]', 'officeofficeoffice')
    await page.click('.password-submit')
    const err = page.locator('.el-form-item', { has: page.locator('input[name=new_password]') }).locator('.el-form-item__error')
    await err.waitFor()
    const msg = await err.textContent()
    expect(/口令|密码/.test(msg), `policy error next to the field: ${msg}`)
    await page.fill('input[name=new_password]', NEW_PASSWORD)
    await page.fill('input[name=confirm]', NEW_PASSWORD)
    await page.click('.password-submit')
    await page.waitForURL((u) => new URL(u).pathname === '/')
    s.changed.add('office')
    await page.locator('.home-section h3', { hasText: '待移交的问题线索' }).waitFor()

    // the session is only the HttpOnly cookie: nothing in web storage, no readable cookie
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]))
    expect(stored === '[{},{},""]', `web storage and document.cookie are empty: ${stored}`)
    const cookies = await page.context().cookies()
    expect(cookies.length === 1 && cookies[0].httpOnly, `one HttpOnly session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`)

    // sign-out ends the session: the next page asks to sign in again
    await page.click('.logout')
    await page.waitForURL('**/login')
    await page.goto(`${s.url}/r/rounds`)
    await page.waitForURL('**/login?next=**')
  } finally {
    await s.stop()
  }
})

test('unit_liaison_cannot_see_clues', async (ctx) => {
  const s = await new Server().start()
  try {
    const unit = await signIn(ctx, s, 'unit1')
    const menu = await unit.locator('.side-menu').textContent()
    expect(!menu.includes('问题线索') && menu.includes('巡察对象'), `unit menu: ${menu}`)
    // its home shows its own unit's target, nothing of clues
    await unit.locator('.home-section h3', { hasText: '巡察对象' }).waitFor()
    await unit.locator('.home-section', { hasText: '枣阳市人民防空办公室' }).waitFor()
    expect((await unit.locator('.home-section h3', { hasText: '线索' }).count()) === 0, 'no clue section')
    // typing the address anyway: the server refuses and the page says so
    await unit.goto(`${s.url}/r/clues`)
    await unit.locator('.el-alert', { hasText: '无权' }).waitFor()
    expect((await unit.locator('a.cell-link').count()) === 0, 'no clue rows')
    const targets = await unit.evaluate(async () => (await (await fetch('/api/v1/targets')).json()).total)
    expect(targets === 1, `the unit sees only its own target: ${targets}`)
  } finally {
    await s.stop()
  }
})
