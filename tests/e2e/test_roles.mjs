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
// dates in Shanghai (UTC+8), as the server counts days
const inDays = (n) => new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10)

// The records of a walk: a clue handed over, a problem fed back to unit1's unit
// with a rectification task, a second unit's report waiting for approval, a
// member's draft problem waiting for the leader.
export async function setUp(s) {
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
  const pending = (await m1.post('/reports', { target_id: s.ids.targets.u2, text: '巡察报告 (二)' })).id
  await l1.post(`/reports/${pending}/submit`)
  // a member's draft problem, not yet confirmed by the leader
  const draft = await m1.post('/problems', {
    target_id: s.ids.targets.u2, category_id: cat('0403'), title: '超标准接待', description: '公务接待超标准',
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

// The count a home section shows and the menu's badge, as the page has them.
async function sectionCount(page, title) {
  const sec = page.locator(`.home-section[data-section="${title}"]`)
  await sec.waitFor()
  await page.waitForFunction((t) => document.querySelector(`.home-section[data-section="${t}"] .pending-count`)?.dataset.count !== '', title)
  return Number(await sec.locator('.pending-count').getAttribute('data-count'))
}
async function menuBadge(page, type) {
  const b = page.locator(`.side-menu .pending-badge[data-type="${type}"]`)
  await b.waitFor()
  return Number((await b.locator('sup').textContent()).trim())
}

test('role_pages_show_names_only_what_the_role_reads_and_pending_counts', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    // the unit liaison: names of team and round, no briefing card, no evidence card
    const unit = await signIn(ctx, s, 'unit1')
    watchApi(unit)
    const office = await apiAs(s, 'office')
    const tg = await office.get(`/targets/${recs.targets}`)
    await unit.goto(`${s.url}/r/targets/${recs.targets}`)
    await unit.locator('.el-descriptions', { hasText: tg.team_name }).waitFor()
    await settle(unit)
    const desc = await unit.locator('.el-descriptions').first().textContent()
    expect(desc.includes(tg.team_name) && desc.includes(tg.round_name) && !desc.includes('…'), `巡察组与轮次显示名称: ${desc}`)
    expect((await unit.locator('.target-briefings').count()) === 0, 'no briefing card for the liaison')
    expect((await unit.locator('.record-title').textContent()).includes(tg.unit_name), 'title is the unit name')
    await unit.goto(`${s.url}/r/problems/${recs.problems}`)
    await unit.locator('.record-title').waitFor()
    await settle(unit)
    expect((await unit.locator('.files-panel').count()) === 0, 'no evidence card for the liaison')
    // its rectification task: the evidence with the upload it may use
    await unit.goto(`${s.url}/r/rect-tasks/${recs['rect-tasks']}`)
    await unit.locator('.files-panel .upload-label').waitFor()
    expect(!unit.failedApi.length && !unit.consoleErrors.length, `refused: ${[...unit.failedApi, ...unit.consoleErrors].join(' | ')}`)

    // the leading group: reports waiting for approval, counted by the server
    const lg = await signIn(ctx, s, 'lg')
    const lgTotal = (await (await apiAs(s, 'lg')).get('/reports?state=submitted&per_page=1')).total
    expect(lgTotal >= 1, 'a report waits')
    expect((await sectionCount(lg, '待审定的巡察报告')) === lgTotal, '待审定的巡察报告 count')
    expect((await menuBadge(lg, 'reports')) === lgTotal, 'menu badge on 巡察报告')

    // the team leader: draft problems to confirm; a member: own drafts with the hint
    const leader = await signIn(ctx, s, 'leader1')
    const drafts = (await (await apiAs(s, 'leader1')).get('/problems?state=draft&per_page=1')).total
    expect(drafts >= 1 && (await sectionCount(leader, '待确认的问题')) === drafts, '待确认的问题 count')
    await leader.locator('.home-section[data-section="待确认的问题"] a', { hasText: '超标准接待' }).waitFor()
    expect((await leader.locator('.home-section[data-section="我的问题草稿"]').count()) === 0, 'the leader has no own-drafts section')
    const member = await signIn(ctx, s, 'member1')
    const me = await (await apiAs(s, 'member1')).get('/me')
    const mine = (await (await apiAs(s, 'member1')).get(`/problems?state=draft&created_by=${me.id}&per_page=1`)).total
    expect(mine >= 1 && (await sectionCount(member, '我的问题草稿')) === mine, '我的问题草稿 count')
    const sec = member.locator('.home-section[data-section="我的问题草稿"]')
    expect((await sec.locator('.section-hint').textContent()).includes('提交组长'), 'hint 提交组长')
    await sec.locator('a', { hasText: '超标准接待' }).waitFor()
    expect((await menuBadge(member, 'problems')) === mine, 'menu badge on the problem list')
    expect((await member.locator('.home-section[data-section="待确认的问题"]').count()) === 0, 'a member confirms nothing')
  } finally {
    await s.stop()
  }
})
