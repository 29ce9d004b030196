// test_discipline.mjs — the discipline side through the browser. The 公款私存
// story: the team leader asks for help with the bank statements from the
// problem's page, the leading group approves, the office forwards, 审查调查室
// accepts and completes it, records the case filing on the clue (with the days
// from hand-over to disposal), the team sees the result; after the feedback is
// copied, 党风室 finds the problem on its pending list and records 严重警告 for
// the accountant, shown as 第二种形态 (derived by the server). A joint review
// (联审) whose lenient final handling raises a flag that is cleared with a
// reason before the review concludes. The copy-to-accountability loop from a
// copied report's page. Every button is the API's offer.
import { test, Server, signIn, choose, fillField, expect, apiAs, today } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
const cat = (code) => `01940000-0000-7000-8000-${code.padEnd(12, '0')}`
const NEED = '查询该单位会计刘某个人银行账户2018年以来的流水'
const RESULT = '经查询, 刘某个人账户收到单位公款38.6万元'

// The verbs offered on a record page, once they have settled: the page draws
// its actions after the record (and the user's rights) have arrived, so read
// until two reads a moment apart agree and show something.
async function buttons(page) {
  await page.locator('.record-actions').waitFor()
  const read = () => page.locator('.record-actions button[data-verb]').evaluateAll((bs) => bs.map((b) => b.dataset.verb))
  let prev = JSON.stringify(await read())
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(150)
    const cur = JSON.stringify(await read())
    if (cur === prev && cur !== '[]') break
    prev = cur
  }
  return JSON.parse(prev)
}
async function act(page, verb, stateLabel, fill) {
  await page.locator(`.record-actions button[data-verb=${verb}]`).click()
  if (fill) await fill()
  await dlg(page).locator('.submit').click()
  await page.locator('.state-tag', { hasText: stateLabel }).waitFor()
}
function section(page, title) {
  return page.locator('.home-section').filter({ has: page.locator(`h3:text-is("${title}")`) })
}
async function openFromHome(page, title, text) {
  await section(page, title).locator('a.cell-link', { hasText: text }).click()
  await page.locator('.record-title').waitFor()
}
// The record page's fields as {label: value}.
function descValues(page) {
  return page.locator('.el-descriptions').first().evaluate((el) => {
    const out = {}
    for (const l of el.querySelectorAll('.el-descriptions__label')) out[l.textContent.trim()] = l.nextElementSibling?.textContent.trim()
    return out
  })
}
async function confirmedProblem(s, title = '公款私存', extra = {}) {
  const m1 = await apiAs(s, 'member1')
  const l1 = await apiAs(s, 'leader1')
  const p = await m1.post('/problems', {
    target_id: s.ids.targets.u1, category_id: cat('0403'), title, description: '单位将公款存入会计个人账户',
    amount: '386000.00', found_by: 'records', found_on: today(), ...extra,
  })
  await l1.post(`/problems/${p.id}/confirm`)
  return p.id
}

// The report on the first unit is fed back and copied to the commission (whose
// departments then see its problems).
async function feedBackAndCopy(s) {
  const m1 = await apiAs(s, 'member1')
  const rep = (await m1.post('/reports', { target_id: s.ids.targets.u1, text: '巡察报告' })).id
  await (await apiAs(s, 'leader1')).post(`/reports/${rep}/submit`)
  await (await apiAs(s, 'lg')).post(`/reports/${rep}/approve`)
  const off = await apiAs(s, 'office')
  await off.post(`/reports/${rep}/feedback`, { meeting_date: today(), feedback_text: '反馈意见' })
  await off.post(`/reports/${rep}/copy`)
  return rep
}

test('public_funds_assistance_request_and_accountability', async (ctx) => {
  const s = await new Server({ accountability_days: 0 }).start()
  try {
    const pid = await confirmedProblem(s)

    // 1. the team leader asks for professional help from the problem's page
    const leader = await signIn(ctx, s, 'leader1')
    await leader.goto(`${s.url}/r/problems/${pid}`)
    await leader.locator('.record-actions .tool', { hasText: '提请协助' }).click()
    await fillField(leader, '需协助事项', NEED)
    await fillField(leader, '提请理由', '发现公款私存线索, 需固定资金去向')
    await dlg(leader).locator('.submit').click()
    await leader.locator('.state-tag', { hasText: '草稿' }).waitFor()
    const aUrl = leader.url()
    expect(/\/r\/assistance\/[0-9a-f-]{36}$/.test(aUrl), `assistance page ${aUrl}`)
    await leader.locator('.el-descriptions a.cell-link', { hasText: '公款私存' }).waitFor() // the linked problem
    await leader.locator('.el-descriptions', { hasText: '尚未完成' }).waitFor() // no turnaround yet
    expect(JSON.stringify(await buttons(leader)) === '["submit"]', 'leader: only 提请领导小组批准')
    await act(leader, 'submit', '已提请')

    // 2. the leading group approves it from its home page
    const lg = await signIn(ctx, s, 'lg')
    await openFromHome(lg, '待审批的提请协助', NEED)
    expect(JSON.stringify(await buttons(lg)) === '["approve","reject"]', 'lg: 批准 or 不予批准')
    await act(lg, 'approve', '已批准', () => fillField(lg, '意见', '同意'))

    // 3. the office forwards it to the commission
    const office = await signIn(ctx, s, 'office')
    await openFromHome(office, '待转交纪委监委的提请协助', NEED)
    expect(JSON.stringify(await buttons(office)) === '["forward"]', 'office: only 转交')
    await act(office, 'forward', '已转交')
    // the office issues the 提请协助函 from the request's page: numbered by the server, read back as PDF
    await office.locator('.record-actions .tool', { hasText: '出具提请协助函' }).click()
    await dlg(office).locator('.submit').click()
    await office.waitForURL(/\/r\/documents\//)
    await office.locator('.el-descriptions', { hasText: '枣巡协〔' }).waitFor()
    const letter = await office.evaluate(async () => {
      const a = [...document.querySelectorAll('a')].find((x) => x.textContent.includes('下载 PDF'))
      const r = await fetch(a.href)
      return { type: r.headers.get('content-type'), head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)) }
    })
    expect(letter.type.startsWith('application/pdf') && letter.head === '%PDF-', `提请协助函 PDF: ${JSON.stringify(letter)}`)

    // 4. 审查调查室 accepts it and completes it with the result and the evidence fixed
    const inv = await signIn(ctx, s, 'investigation')
    await openFromHome(inv, '待受理的提请协助', NEED)
    expect(JSON.stringify(await buttons(inv)) === '["accept"]', 'investigation: only 受理')
    await act(inv, 'accept', '已受理')
    expect(JSON.stringify(await buttons(inv)) === '["complete"]', 'investigation: next 办结反馈')
    await inv.locator('.record-actions button[data-verb=complete]').click()
    await dlg(inv).locator('.submit').click() // both are required: refused in the form
    await dlg(inv).locator('.el-form-item__error').first().waitFor()
    await fillField(inv, '协助结果', RESULT)
    await fillField(inv, '固定的证据', '银行流水3份、转账凭证12张')
    await dlg(inv).locator('.submit').click()
    await inv.locator('.state-tag', { hasText: '已完成' }).waitFor()
    const f = await descValues(inv)
    expect(f['提请至完成用时'] === '0 天' && f['受理部门'] === '审查调查室', `turnaround and department ${JSON.stringify(f)}`)
    await inv.locator('.history', { hasText: '受理部门' }).waitFor()

    // the clue fixed with the bank statements, handed over during the patrol and disposed of
    // (set-up through the API); 审查调查室 records the case filing on the clue's page
    const m1 = await apiAs(s, 'member1')
    const clue = await m1.post('/clues', { target_id: s.ids.targets.u1, title: '会计刘某公款私存', subject_name: '刘某', subject_post: '会计', source: 'records', discovered_on: today(), allegation: '将公款38.6万元存入个人账户' })
    await (await apiAs(s, 'leader1')).post(`/clues/${clue.id}/verify`)
    await (await apiAs(s, 'office')).post(`/clues/${clue.id}/handover`)
    const cm = await apiAs(s, 'casemgmt')
    await cm.post(`/clues/${clue.id}/register`)
    await cm.post(`/clues/${clue.id}/dispose`, { method: 'preliminary_verification' })
    await inv.goto(`${s.url}/r/clues/${clue.id}`)
    expect((await descValues(inv))['移交至处置'] === '0 天', 'days from hand-over to disposal')
    await inv.locator('.record-actions .tool', { hasText: '登记立案/留置/移送' }).click()
    await fillField(inv, '立案日期', today())
    await fillField(inv, '决定机关', '枣阳市纪委监委')
    await dlg(inv).locator('.submit').click()
    await inv.locator('.el-descriptions', { hasText: '枣阳市纪委监委' }).waitFor()
    expect((await descValues(inv))['立案日期'] === today(), 'case filed on')

    // 5. the team sees the result on its home page and the request's page, and closes it
    await leader.goto(`${s.url}/`)
    await section(leader, '本组提请协助及结果').locator('td', { hasText: '38.6万元' }).waitFor()
    await leader.goto(aUrl)
    await leader.locator('.el-descriptions', { hasText: '银行流水3份' }).waitFor()
    for (const step of ['提请领导小组批准', '批准', '转交纪委监委', '受理', '办结反馈']) await leader.locator('.history', { hasText: step }).waitFor()
    expect(JSON.stringify(await buttons(leader)) === '["close"]', 'leader: 办结')
    await act(leader, 'close', '已办结')
    await leader.goto(`${s.url}/r/clues/${clue.id}`)
    await leader.locator('.el-descriptions', { hasText: '枣阳市纪委监委' }).waitFor()
    expect((await leader.locator('.record-actions .tool', { hasText: '登记立案' }).count()) === 0, 'the team records no case filing')
    await leader.goto(`${s.url}/r/problems/${pid}`)
    await leader.locator('.related[data-related=assistance] td', { hasText: '已办结' }).waitFor()
    expect((await leader.locator('.record-actions .tool', { hasText: '追责问责' }).count()) === 0, 'the team records no accountability')

    // 6. the feedback is copied to the commission (set-up through the API) …
    await feedBackAndCopy(s)

    // … 党风室 finds the problem on its pending list and records 严重警告 for the accountant
    const conduct = await signIn(ctx, s, 'conduct')
    await openFromHome(conduct, '抄送后逾期未作追责问责决定的问题', '公款私存')
    await conduct.locator('.record-title', { hasText: '公款私存' }).waitFor()
    expect((await conduct.locator('.record-actions .tool', { hasText: '提请协助' }).count()) === 0, 'conduct asks no assistance')
    await conduct.locator('.record-actions .tool', { hasText: '追责问责' }).click()
    await choose(conduct, '问责对象类别', '个人')
    await fillField(conduct, '问责对象', '刘某')
    await fillField(conduct, '职务', '会计')
    await choose(conduct, '处理结果', '党内严重警告')
    await dlg(conduct).locator('.derived', { hasText: '第二种形态' }).waitFor() // the server's table, before saving
    expect((await dlg(conduct).locator('.el-form-item', { hasText: '追究刑事责任' }).count()) === 0, 'no criminal switch for a warning')
    await fillField(conduct, '决定机关', '中共枣阳市纪律检查委员会')
    await fillField(conduct, '决定日期', today())
    await fillField(conduct, '追缴资金 (元)', '12.5元')
    await dlg(conduct).locator('.submit').click()
    await dlg(conduct).locator('.el-form-item__error', { hasText: '追缴资金' }).waitFor() // the server's message at the field
    await fillField(conduct, '追缴资金 (元)', '386000.00')
    await dlg(conduct).locator('.submit').click()
    await conduct.locator('.state-tag', { hasText: '已决定' }).waitFor()
    expect(/\/r\/accountability\/[0-9a-f-]{36}$/.test(conduct.url()), `accountability page ${conduct.url()}`)
    const desc = conduct.locator('.el-descriptions')
    for (const t of ['党内严重警告', '党纪处分', '第二种形态', '386,000.00 元', '刘某', '会计']) await desc.filter({ hasText: t }).waitFor()
    expect(JSON.stringify(await buttons(conduct)) === '["revoke"]', 'conduct: only 撤销')
    expect((await conduct.locator('.edit').count()) === 0, 'a decision is not edited')

    // the problem has left the pending list; the team sees the decision
    await conduct.goto(`${s.url}/`)
    await section(conduct, '抄送后逾期未作追责问责决定的问题').locator('.el-table__empty-text').waitFor()
    await leader.goto(`${s.url}/r/problems/${pid}`)
    await leader.locator('.related[data-related=accountability] td', { hasText: '第二种形态' }).waitFor()

    // the office's dashboard: the four forms count the decision; problems and the
    // rectification rate by round, from GET /stats/{measure}/groups
    await office.goto(`${s.url}/`)
    await office.click('.side-menu >> text=统计分析')
    await office.locator('[data-chart=four_forms] canvas').waitFor()
    await office.locator('.card h3', { hasText: '问题数与整改率 (按巡察轮次)' }).waitFor()
    await office.locator('[data-chart=compare] canvas').waitFor()
  } finally {
    await s.stop()
  }
})

test('joint_review_lenient_final_handling_flag_cleared_with_reason', async (ctx) => {
  const s = await new Server().start()
  try {
    await confirmedProblem(s) // 公款私存: its category's minimum is the second form
    await feedBackAndCopy(s) // the commission sees the problems of a copied feedback

    // the verification team schedules the review with the first patrol team and lists the problem
    const ver = await signIn(ctx, s, 'verification')
    await ver.click('.side-menu >> text=联审')
    await ver.locator('.create').click()
    await choose(ver, '巡察组', '第一巡察组')
    await fillField(ver, '联审名称', '第一轮巡察第一次联审')
    await fillField(ver, '联审日期', today())
    await fillField(ver, '参加人员', '核查组、第一巡察组')
    await dlg(ver).locator('.submit').click()
    await ver.locator('.state-tag', { hasText: '已安排' }).waitFor()
    const rUrl = ver.url()
    await ver.locator('.item-add').click()
    await choose(ver, '问题', '公款私存')
    await dlg(ver).locator('.submit').click()
    const item = ver.locator('.review-item', { hasText: '公款私存' })
    await item.waitFor()
    expect((await item.locator('.flag').count()) === 0, 'no flag before a handling')
    expect((await item.locator('.part-team').count()) === 0, 'the team part is the team\'s')

    // the patrol team writes its part (and only its part)
    const member = await signIn(ctx, s, 'member1')
    await openFromHome(member, '本组联审', '第一轮巡察第一次联审')
    const mItem = member.locator('.review-item', { hasText: '公款私存' })
    await mItem.locator('.part-team').click()
    expect((await mItem.locator('.part-verification, .part-final, .part-clear').count()) === 0, 'member: only the team part')
    expect((await member.locator('.item-add').count()) === 0, 'member adds no items')
    await fillField(member, '问题来源', '调阅财务凭证')
    await fillField(member, '发现经过', '发现大额资金转入个人账户')
    await fillField(member, '了解的情况', '会计称为方便支取')
    await dlg(member).locator('.submit').click()
    await mItem.locator('.item-parts', { hasText: '调阅财务凭证' }).waitFor()

    // the verification team proposes 严重警告, holds the meeting, which settles on 批评教育: flagged in red
    await ver.goto(rUrl)
    await item.locator('.item-parts', { hasText: '调阅财务凭证' }).waitFor()
    await item.locator('.part-verification').click()
    await fillField(ver, '核查情况', '查实公款私存38.6万元')
    await choose(ver, '拟处理意见', '党内严重警告')
    await dlg(ver).locator('.derived', { hasText: '第二种形态' }).waitFor()
    await dlg(ver).locator('.submit').click()
    await item.locator('.item-parts', { hasText: '党内严重警告' }).waitFor()
    expect((await item.locator('.part-final').count()) === 0, 'no final handling before the meeting')
    await act(ver, 'hold', '已召开', () => fillField(ver, '会议纪要', '核查组反馈调查情况, 巡察组介绍发现经过'))
    await item.locator('.part-final').click()
    await choose(ver, '最终处理意见', '批评教育')
    await dlg(ver).locator('.submit').click()
    await item.locator('.flag', { hasText: '轻于该类问题的最低处理要求' }).waitFor()
    expect(await item.evaluate((el) => el.classList.contains('flagged')), 'the item is marked')
    const red = await item.locator('.flag').first().evaluate((el) => getComputedStyle(el).color)
    expect(red === 'rgb(208, 48, 48)', `flag in red (${red})`)

    // the review does not conclude while the flag is open: the server says why
    await ver.locator('.record-actions button[data-verb=conclude]').click()
    await dlg(ver).locator('.submit').click()
    await dlg(ver).locator('.el-alert', { hasText: '偏轻偏软提示' }).waitFor()
    await dlg(ver).locator('button', { hasText: '取消' }).click()

    // cleared with a reason, recorded; then it concludes
    await item.locator('.part-clear').click()
    await dlg(ver).locator('.submit').click()
    await dlg(ver).locator('.el-form-item__error').waitFor() // a reason is required
    await fillField(ver, '消除理由', '经联审会议集体研究, 当事人已全额退缴, 从轻处理')
    await dlg(ver).locator('.submit').click()
    await item.locator('.flag-cleared', { hasText: '全额退缴' }).waitFor()
    expect((await item.locator('.part-clear').count()) === 0, 'cleared once')
    await act(ver, 'conclude', '已完成')
    const fields = await descValues(ver)
    expect(fields['审议事项'] === '1' && fields['偏轻偏软提示'] === '1' && fields['已消除提示'] === '1', `counts ${JSON.stringify(fields)}`)
    // the items panel reloads after the record (its watch): wait for that, then count
    await item.locator('button').first().waitFor({ state: 'detached' }).catch(() => {})
    expect((await item.locator('button').count()) === 0, 'a concluded review is not changed')

    // the team sees the outcome and the cleared flag
    await member.goto(rUrl)
    await mItem.locator('.flag-cleared', { hasText: '全额退缴' }).waitFor()
    await mItem.locator('.item-parts', { hasText: '批评教育' }).waitFor()
  } finally {
    await s.stop()
  }
})

test('copied_feedback_opens_accountability_for_inaction_and_decides_it', async (ctx) => {
  const s = await new Server().start()
  try {
    await confirmedProblem(s, '扶贫项目长期停滞', { inaction: true, category_id: cat('0801') })
    const rep = await feedBackAndCopy(s)
    const conduct = await signIn(ctx, s, 'conduct')
    await conduct.goto(`${s.url}/r/reports/${rep}`)
    await conduct.locator('.record-actions .tool', { hasText: '对不担当不作为问题启动问责' }).click()
    await dlg(conduct).locator('.submit').click()
    const box = conduct.locator('.el-message-box')
    await box.filter({ hasText: '已启动 1 条追责问责记录: 扶贫项目长期停滞' }).waitFor()
    await box.locator('.el-message-box__btns button').click()

    // the opened record (the unit's leading body) is decided: 通报 counts as the first form
    await conduct.click('.side-menu >> text=追责问责')
    await conduct.locator('a.cell-link', { hasText: '领导班子' }).click()
    await conduct.locator('.state-tag', { hasText: '待处理' }).waitFor()
    expect((await descValues(conduct))['四种形态 (按处理结果自动认定)'] === '尚未作出处理决定', 'no form before the decision')
    expect(JSON.stringify(await buttons(conduct)) === '["decide"]', 'conduct: 作出处理决定')
    await conduct.locator('.record-actions button[data-verb=decide]').click()
    await choose(conduct, '处理结果', '通报')
    await dlg(conduct).locator('.derived', { hasText: '第一种形态' }).waitFor()
    await fillField(conduct, '决定机关', '枣阳市纪委监委')
    await fillField(conduct, '决定日期', today())
    await dlg(conduct).locator('.submit').click()
    await conduct.locator('.state-tag', { hasText: '已决定' }).waitFor()
    const f = await descValues(conduct)
    expect(f['处理结果'] === '通报' && f['四种形态 (按处理结果自动认定)'] === '第一种形态', `decided ${JSON.stringify(f)}`)
    await conduct.locator('.history', { hasText: '作出处理决定' }).waitFor()
  } finally {
    await s.stop()
  }
})
