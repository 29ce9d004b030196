// test_blockers.mjs — the four steps that failed as labelled when the UI was
// walked as each role (issue 17, "Blockers"), each walked in Chromium with no
// console error on the way (a request the UI makes that the server refuses
// shows as one):
//   1. 反馈: 参会人数 is a whole number sent as a JSON integer, 参会人员 who attended;
//   2. 巡前情况通报 with no source chosen asks every source ("不选则全部");
//   3. the 信访件 list (which always sends ?sort=) opens for every role that reads it;
//   4. an inbox message opens the record it is about, from the inbox and from the
//      home page, with the state names of that record's own workflow (已提请 for an
//      assistance request, not a report's 已报送).
import { test, Server, signIn, fillField, expect, expectNoConsoleErrors, apiAs, today } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
const cat = (code) => `01940000-0000-7000-8000-${code.padEnd(12, '0')}`
const daysFromToday = (n) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + n * 86400000))
const ID = '[0-9a-f-]{36}'

// The record page's fields as {label: value}.
function descValues(page) {
  return page.locator('.el-descriptions').first().evaluate((el) => {
    const out = {}
    for (const l of el.querySelectorAll('.el-descriptions__label')) out[l.textContent.trim()] = l.nextElementSibling?.textContent.trim()
    return out
  })
}

async function confirmedProblem(s, title = '公款私存') {
  const m1 = await apiAs(s, 'member1')
  const p = await m1.post('/problems', {
    target_id: s.ids.targets.u1, category_id: cat('0403'), title, description: '单位将公款存入会计个人账户',
    amount: '386000.00', found_by: 'records', found_on: today(),
  })
  await (await apiAs(s, 'leader1')).post(`/problems/${p.id}/confirm`)
  return p.id
}

// A report on the first unit, submitted and approved (ready for the feedback).
async function approvedReport(s) {
  const rep = (await (await apiAs(s, 'member1')).post('/reports', { target_id: s.ids.targets.u1, text: '巡察报告' })).id
  await (await apiAs(s, 'leader1')).post(`/reports/${rep}/submit`)
  await (await apiAs(s, 'lg')).post(`/reports/${rep}/approve`)
  return rep
}

test('feedback_meeting_records_attendee_count_and_names', async (ctx) => {
  const s = await new Server().start()
  try {
    await confirmedProblem(s)
    const rep = await approvedReport(s)
    const office = await signIn(ctx, s, 'office')
    await office.goto(`${s.url}/r/reports/${rep}`)
    await office.locator('.record-actions button[data-verb=feedback]').click()
    // the form asks for the number and the people separately
    const labels = await dlg(office).locator('.el-form-item__label').allTextContents()
    expect(labels.includes('参会人数') && labels.includes('参会人员'), `form labels ${JSON.stringify(labels)}`)
    await fillField(office, '反馈会日期', today())
    await fillField(office, '参会人数', '300')
    await fillField(office, '参会人员', '巡察组全体成员, 市人防办领导班子成员、中层干部及干部职工代表')
    await fillField(office, '反馈意见', '巡察反馈意见: 公款私存问题请立即整改')
    await dlg(office).locator('.submit').click()
    await office.locator('.state-tag', { hasText: '已反馈' }).waitFor()
    const f = await descValues(office)
    expect(f['参会人数'] === '300 人', `参会人数 ${JSON.stringify(f)}`)
    expect(f['参会人员'].includes('中层干部'), `参会人员 ${JSON.stringify(f)}`)
    // sent as a JSON integer, kept as one
    const got = await (await apiAs(s, 'office')).get(`/reports/${rep}`)
    expect(got.attendees === 300 && got.attendee_names.startsWith('巡察组全体成员'), `stored ${got.attendees} ${got.attendee_names}`)
    expectNoConsoleErrors(office)
  } finally {
    await s.stop()
  }
})

test('feedback_meeting_without_attendees_is_taken', async (ctx) => {
  const s = await new Server().start()
  try {
    const rep = await approvedReport(s)
    const office = await signIn(ctx, s, 'office')
    await office.goto(`${s.url}/r/reports/${rep}`)
    await office.locator('.record-actions button[data-verb=feedback]').click()
    await fillField(office, '反馈会日期', today())
    await fillField(office, '反馈意见', '反馈意见')
    await dlg(office).locator('.submit').click()
    await office.locator('.state-tag', { hasText: '已反馈' }).waitFor()
    expect(!('参会人数' in (await descValues(office))), 'no count shown when none was given')
    expectNoConsoleErrors(office)
  } finally {
    await s.stop()
  }
})

test('briefing_request_with_no_source_chosen_asks_every_source', async (ctx) => {
  const s = await new Server().start()
  try {
    const office = await signIn(ctx, s, 'office')
    await office.goto(`${s.url}/r/targets/${s.ids.targets.u1}`)
    const card = office.locator('.target-briefings')
    await card.locator('button', { hasText: '请求情况通报' }).click()
    await fillField(office, '报送期限', daysFromToday(-12))
    // 通报来源 left empty: "不选则全部"
    await dlg(office).locator('.submit').click()
    await office.locator('.el-message', { hasText: '已发出请求' }).waitFor()
    await office.locator('.action-dialog').waitFor({ state: 'hidden' }) // closed, no error in it
    await card.locator('tbody tr').nth(4).waitFor()
    const sources = await card.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[1].textContent.trim()))
    expect(JSON.stringify([...sources].sort()) === JSON.stringify(['信访室', '党风政风监督室', '案管室', '组织部', '派驻纪检监察组'].sort()), `sources ${JSON.stringify(sources)}`)
    expectNoConsoleErrors(office)

    // 信访室 is asked: the message opens the briefings (a type without record pages: its list),
    // where it answers its own
    const pet = await signIn(ctx, s, 'petitions')
    await pet.locator('.home-inbox a.cell-link', { hasText: '巡前情况通报' }).first().click()
    await pet.waitForURL((u) => new URL(u).pathname === '/r/briefings')
    await pet.locator('.records tbody tr', { hasText: '信访室' }).locator('.row-action', { hasText: '报送' }).waitFor()
    expectNoConsoleErrors(pet)
  } finally {
    await s.stop()
  }
})

test('petitions_list_opens_and_sorts_for_every_role_that_reads_it', async (ctx) => {
  const s = await new Server().start()
  try {
    const m1 = await apiAs(s, 'member1')
    for (const [ch, d] of [['letter', -20], ['visit', -3], ['qr_code', -9]])
      await m1.post('/petitions', { target_id: s.ids.targets.u1, channel: ch, received_on: daysFromToday(d), summary: `反映危房改造补助优亲厚友 (${ch})`, anonymous: true })
    for (const login of ['office', 'lg', 'leader1', 'member1']) {
      const page = await signIn(ctx, s, login)
      await page.click('.side-menu >> text=信访件')
      await page.waitForURL(/\/r\/petitions/)
      expect(new URL(page.url()).searchParams.get('sort') === '-created_at', `${login}: the list sends its sort (${page.url()})`)
      const rows = page.locator('.records tbody tr')
      await rows.nth(2).waitFor()
      expect((await page.locator('.data-table .el-alert').count()) === 0, `${login}: no error on the list`)
      // sorted by 收到日期 on the server, both ways
      // sorted by 收到日期 on the server: the header's sort, and the other way round from the page's address
      await page.locator('.records th', { hasText: '收到日期' }).click()
      await page.waitForURL((u) => new URL(u).searchParams.get('sort') === '-received_on')
      await page.locator('.records tbody tr').first().filter({ hasText: daysFromToday(-3) }).waitFor()
      await page.goto(`${s.url}/r/petitions?sort=received_on`)
      await page.locator('.records tbody tr').first().filter({ hasText: daysFromToday(-20) }).waitFor()
      expect((await page.locator('.data-table .el-alert').count()) === 0, `${login}: no error after sorting`)
      expectNoConsoleErrors(page)
    }
  } finally {
    await s.stop()
  }
})

// The unread message titled `title` on the home page: clicked, it opens the record.
async function openFromHomeInbox(page, s, title) {
  await page.goto(`${s.url}/`)
  await page.locator('.home-inbox a.cell-link', { hasText: title }).first().click()
  await page.locator('.record-title').waitFor()
}
// The message titled `title` in the inbox: its body in words, then 查看.
async function openFromInbox(page, s, title) {
  await page.goto(`${s.url}/inbox`)
  const row = page.locator('.records tbody tr', { hasText: title }).first()
  await row.waitFor()
  const text = await row.innerText()
  await row.locator('.open-message').click()
  await page.locator('.record-title').waitFor()
  return text
}

test('assistance_message_opens_the_request_from_home_and_inbox', async (ctx) => {
  const s = await new Server().start()
  try {
    const leader = await apiAs(s, 'leader1')
    const a = await leader.post('/assistance', { target_id: s.ids.targets.u1, need: '查询会计刘某个人银行账户流水', reason: '发现公款私存线索' })
    await leader.post(`/assistance/${a.id}/submit`)

    const lg = await signIn(ctx, s, 'lg')
    const unread = Number(await lg.locator('.home-inbox .el-badge__content').innerText())
    await openFromHomeInbox(lg, s, '巡察组提请专业协助')
    expect(new RegExp(`/r/assistance/${a.id}$`).test(lg.url()), `opened from home: ${lg.url()}`)
    await lg.locator('.state-tag', { hasText: '已提请' }).waitFor()
    await lg.locator('.record-actions button[data-verb=approve]').waitFor()
    // the message is read now
    await lg.goto(`${s.url}/`)
    await lg.locator('.home-inbox .el-table__empty-text, .home-inbox tbody tr').first().waitFor()
    const after = (await lg.locator('.home-inbox .el-badge__content').count()) ? Number(await lg.locator('.home-inbox .el-badge__content').innerText()) : 0
    expect(after === unread - 1, `unread ${unread} → ${after}`)

    const text = await openFromInbox(lg, s, '巡察组提请专业协助')
    expect(text.includes('草稿 → 已提请') && !text.includes('已报送'), `message body in the request's own words: ${text}`)
    expect(new RegExp(`/r/assistance/${a.id}$`).test(lg.url()), `opened from the inbox: ${lg.url()}`)
    await lg.locator('.state-tag', { hasText: '已提请' }).waitFor()
    expectNoConsoleErrors(lg)
  } finally {
    await s.stop()
  }
})

test('accountability_message_opens_the_decision_from_the_inbox', async (ctx) => {
  const s = await new Server().start()
  try {
    const pid = await confirmedProblem(s)
    const rep = await approvedReport(s)
    const off = await apiAs(s, 'office')
    await off.post(`/reports/${rep}/feedback`, { meeting_date: today(), feedback_text: '反馈意见' })
    await off.post(`/reports/${rep}/copy`)
    const conduct = await apiAs(s, 'conduct')
    const acc = await conduct.post('/accountability', { problem_id: pid, subject_kind: 'person', subject_name: '刘某', subject_post: '会计' })
    await conduct.post(`/accountability/${acc.id}/decide`, { outcome: 'party_serious_warning', authority: '中共枣阳市纪律检查委员会', decided_on: today() })

    const office = await signIn(ctx, s, 'office')
    const text = await openFromInbox(office, s, '追责问责已作出决定')
    expect(text.includes('待处理 → 已决定'), `message body: ${text}`)
    expect(new RegExp(`/r/accountability/${acc.id}$`).test(office.url()), `opened: ${office.url()}`)
    await office.locator('.state-tag', { hasText: '已决定' }).waitFor()
    await office.locator('.el-descriptions', { hasText: '党内严重警告' }).waitFor()

    // the team leader is told too, and opens it from the home page
    const leader = await signIn(ctx, s, 'leader1')
    await openFromHomeInbox(leader, s, '追责问责已作出决定')
    expect(new RegExp(`/r/accountability/${acc.id}$`).test(leader.url()), `leader opened: ${leader.url()}`)
    await leader.locator('.state-tag', { hasText: '已决定' }).waitFor()
    expectNoConsoleErrors(office, leader)
  } finally {
    await s.stop()
  }
})

test('joint_review_message_opens_the_review_from_home_and_inbox', async (ctx) => {
  const s = await new Server().start()
  try {
    const ver = await apiAs(s, 'verification')
    const r = await ver.post('/joint-reviews', { team_id: s.ids.teams.t1, title: '第一轮巡察第一次联审', scheduled_on: today() })
    await ver.post(`/joint-reviews/${r.id}/hold`, { minutes: '核查组反馈调查情况' })

    const leader = await signIn(ctx, s, 'leader1')
    await openFromHomeInbox(leader, s, '联审会议已召开')
    expect(new RegExp(`/r/joint-reviews/${r.id}$`).test(leader.url()), `opened from home: ${leader.url()}`)
    await leader.locator('.state-tag', { hasText: '已召开' }).waitFor()
    const text = await openFromInbox(leader, s, '联审会议已召开')
    expect(text.includes('已安排 → 已召开'), `message body: ${text}`)
    expect(new RegExp(`/r/joint-reviews/${r.id}$`).test(leader.url()), `opened from the inbox: ${leader.url()}`)

    // the commission's liaison, told as well
    const liaison = await signIn(ctx, s, 'liaison')
    await openFromHomeInbox(liaison, s, '联审会议已召开')
    expect(new RegExp(`/r/joint-reviews/${r.id}$`).test(liaison.url()), `liaison opened: ${liaison.url()}`)
    await liaison.locator('.state-tag', { hasText: '已召开' }).waitFor()
    expectNoConsoleErrors(leader, liaison)
  } finally {
    await s.stop()
  }
})
