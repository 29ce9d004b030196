// test_roles.mjs — every main role walks its own pages without the UI asking the
// server for what the role may not (or not yet) use: for each demo account the
// home page, each list page of its menu and one record page of each kind it can
// read (as the API answers it), with no console error and no 4xx/5xx answer
// from the API. Then the role-aware details: the unit liaison's target page
// shows names (not ids) and no briefing card or evidence upload it may not use,
// and the home pages carry the pending-work sections and counts (from the
// server's list totals) with the menu badges.
import { test, Server, signIn, expect, apiAs, today } from './lib.mjs'

const cat = (code) => `01940000-0000-7000-8000-${code.padEnd(12, '0')}`
const inDays = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10)

// The records of a walk: a clue handed over, a problem fed back to unit1's unit
// with a rectification task, a second unit's report waiting for approval, a
// member's draft problem waiting for the leader.
async function setUp(s) {
  const m1 = await apiAs(s, 'member1')
  const l1 = await apiAs(s, 'leader1')
  const off = await apiAs(s, 'office')
  const clue = await m1.post('/clues', { target_id: s.ids.targets.u1, title: '会计刘某公款私存', subject_name: '刘某', subject_post: '会计', source: 'records', discovered_on: today(), allegation: '将公款38.6万元存入个人账户' })
  await l1.post(`/clues/${clue.id}/verify`)
  await off.post(`/clues/${clue.id}/handover`)
  const p = await m1.post('/problems', {
    target_id: s.ids.targets.u1, category_id: cat('0403'), title: '公款私存', description: '单位将公款存入会计个人账户',
    amount: '386000.00', found_by: 'records', found_on: today(),
  })
  await l1.post(`/problems/${p.id}/confirm`)
  const rep = (await m1.post('/reports', { target_id: s.ids.targets.u1, text: '巡察报告' })).id
  await l1.post(`/reports/${rep}/submit`)
  await (await apiAs(s, 'lg')).post(`/reports/${rep}/approve`)
  await off.post(`/reports/${rep}/feedback`, { meeting_date: today(), feedback_text: '反馈意见' })
  await off.post(`/reports/${rep}/copy`)
  const task = await (await apiAs(s, 'unit1')).post('/rect-tasks', { problem_id: p.id, measure: '追回资金并建立台账', owner_name: '王某', owner_post: '财务科长', leader_name: '李副主任', deadline: inDays(40), long_term: false })
  // a report of the team's second unit submitted for approval (the leading group's pending work)
  const others = Object.entries(s.ids.targets).filter(([k]) => k !== 'u1')
  let pending = null
  if (others.length) {
    pending = (await m1.post('/reports', { target_id: others[0][1], text: '巡察报告 (二)' })).id
    await l1.post(`/reports/${pending}/submit`).catch(() => { pending = null })
  }
  // a member's draft problem, not yet confirmed by the leader
  const draft = await m1.post('/problems', {
    target_id: others.length ? others[0][1] : s.ids.targets.u1, category_id: cat('0403'), title: '超标准接待', description: '公务接待超标准',
    found_by: 'records', found_on: today(),
  })
  return { clues: clue.id, problems: p.id, reports: rep, 'rect-tasks': task.id, targets: s.ids.targets.u1, teams: s.ids.teams.t1, pendingReport: pending, draft: draft.id }
}

// Records every API answer of 400 and above from the moment of sign-in.
function watchApi(page) {
  page.failedApi = []
  page.on('response', (r) => {
    const u = new URL(r.url())
    if (u.pathname.startsWith('/api/') && r.status() >= 400) page.failedApi.push(`${r.request().method()} ${u.pathname}${u.search} → ${r.status()}`)
  })
}

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(150)
}

const ROLES = ['lg', 'office', 'leader1', 'member1', 'liaison', 'casemgmt', 'dispatched1', 'unit1']

test('every_role_walks_its_pages_without_refused_calls', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    const kinds = ['targets', 'teams', 'clues', 'problems', 'reports', 'rect-tasks']
    const bad = []
    for (const login of ROLES) {
      // which records the role may read, as the API answers
      const c = await apiAs(s, login)
      const reach = []
      for (const k of kinds) {
        try {
          await c.get(`/${k}/${recs[k]}`)
          reach.push(k)
        } catch {
          /* not this role's record */
        }
      }
      const page = await signIn(ctx, s, login)
      watchApi(page)
      const visited = ['/']
      await settle(page)
      const menu = await page.locator('.side-menu a[href^="/r/"], .side-menu li[role=menuitem]').count()
      expect(menu > 0, `${login}: a menu`)
      // the list pages of its menu (the menu items route to /r/<type>)
      const lists = await page.evaluate(() => [...document.querySelectorAll('.side-menu .el-menu-item')].map((e) => e.textContent.trim()))
      for (const label of lists) {
        if (label.startsWith('工作台') || label.startsWith('消息')) continue
        await page.locator('.side-menu .el-menu-item', { hasText: label }).first().click()
        await settle(page)
        visited.push(new URL(page.url()).pathname)
      }
      for (const k of reach) {
        await page.goto(`${s.url}/r/${k}/${recs[k]}`)
        await page.locator('.record-title').waitFor()
        await settle(page)
        visited.push(`/r/${k}`)
      }
      await page.goto(`${s.url}/`)
      await settle(page)
      if (page.consoleErrors.length || page.failedApi.length)
        bad.push(`${login} [${visited.join(' ')}]: ${[...page.failedApi, ...page.consoleErrors].join(' | ')}`)
      await page.context().close()
      ctx.pages.splice(ctx.pages.indexOf(page), 1)
    }
    expect(!bad.length, `拒绝的请求或控制台错误:\n${bad.join('\n')}`)
  } finally {
    await s.stop()
  }
})
