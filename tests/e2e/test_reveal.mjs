// test_reveal.mjs — 举报人保护 in the browser (issue 18 item 3): a team leader
// asks to see a petition's reporter with a reason; the leading group (the
// default reveal_approver) finds the request on its home page and approves it;
// the leader then sees the reporter once, with the notice that the read is
// recorded, and never is offered to approve; an anonymous petition's receipt
// is shown once in a dialog right after it was logged, and the staff check a
// receipt on the petition page.
import { test, Server, signIn, choose, fillField, expect, apiAs, today } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
const NAME = '王五REVEAL'
const SECTION = '待批准的查看信访人身份申请'

test('reporter_shown_once_after_the_leading_groups_approval', async (ctx) => {
  const s = await new Server().start()
  try {
    const pet = await (await apiAs(s, 'member1')).post('/petitions', {
      target_id: s.ids.targets.u1, channel: 'letter', received_on: today(), summary: '反映某局长违规收受礼金',
      reporter_name: NAME, reporter_contact: '13912345678',
    })
    const url = `${s.url}/r/petitions/${pet.id}`

    // the leader holds petition.reporter but sees only that an identity is sealed, and asks with a reason
    const leader = await signIn(ctx, s, 'leader1')
    await leader.goto(url)
    await leader.locator('.reveal-ask').waitFor()
    expect(!(await leader.locator('body').innerText()).includes(NAME), 'the identity is not shown before approval')
    await leader.locator('.reveal-ask').click()
    await dlg(leader).locator('.submit').click() // the reason is required
    await dlg(leader).locator('.el-form-item__error', { hasText: '查看理由' }).waitFor()
    await fillField(leader, '查看理由', '须当面回访核实反映情况')
    await dlg(leader).locator('.submit').click()
    await leader.locator('.my-reveal-requests', { hasText: '待批准' }).waitFor()
    await leader.locator('.reveal-state', { hasText: '等待批准' }).waitFor()
    expect((await leader.locator('.reveal-ask').count()) === 0, 'one open request at a time')
    // the leader is never offered to approve: no home section, no menu entry, no row buttons
    await leader.goto(`${s.url}/`)
    await leader.locator('.home-inbox').waitFor()
    expect((await leader.locator(`[data-section="${SECTION}"]`).count()) === 0, 'no approval section for the leader')
    expect((await leader.locator('.side-menu', { hasText: '查看信访人身份申请' }).count()) === 0, 'no approval menu for the leader')
    await leader.goto(`${s.url}/r/revealRequests`)
    await leader.locator('.records', { hasText: '须当面回访核实反映情况' }).waitFor() // the leader's own request
    expect((await leader.locator('.row-action').count()) === 0, 'no 批准/驳回 for the requester')

    // the leading group sees it on its home page (with the count) and approves it
    const lg = await signIn(ctx, s, 'lg')
    const sec = lg.locator(`[data-section="${SECTION}"]`)
    await sec.locator('.records', { hasText: '须当面回访核实反映情况' }).waitFor()
    await sec.locator('.pending-count[data-count="1"]').waitFor()
    await sec.locator('a.cell-link', { hasText: '查看全部' }).click()
    await lg.waitForURL(/\/r\/revealRequests/)
    const row = lg.locator('.records .el-table__row', { hasText: '须当面回访核实反映情况' })
    await row.locator('.row-action', { hasText: '批准' }).click()
    await fillField(lg, '意见', '同意')
    await dlg(lg).locator('.submit').click()
    await dlg(lg).waitFor({ state: 'detached' }).catch(() => {})
    await lg.goto(`${s.url}/r/revealRequests?state=approved`)
    await lg.locator('.records .el-table__row', { hasText: '已批准' }).waitFor()
    expect((await lg.locator('.row-action').count()) === 0, 'a decided request offers no buttons')

    // the leader is told (the message opens the requests, a request its petition); the
    // page opened after the approval reveals on its own read (the server's rule): once, with the notice
    await leader.goto(`${s.url}/`)
    await leader.locator('.home-inbox a.cell-link', { hasText: '已获批准' }).click()
    await leader.waitForURL(/\/r\/revealRequests/)
    await leader.locator('.records a.cell-link', { hasText: '查看信访件' }).first().click()
    await leader.waitForURL((u) => u.toString() === url)
    await leader.locator('.reporter-identity', { hasText: NAME }).waitFor()
    await leader.locator('.reveal-notice', { hasText: '仅可使用一次' }).waitFor()
    await leader.reload()
    await leader.locator('.reveal-ask').waitFor()
    expect(!(await leader.locator('body').innerText()).includes(NAME), 'sealed again after the one read')
    await leader.locator('.my-reveal-requests', { hasText: '已使用' }).waitFor()

    // 「查看」: a second request approved while the leader's page is open
    await leader.locator('.reveal-ask').click()
    await fillField(leader, '查看理由', '再次回访')
    await dlg(leader).locator('.submit').click()
    await leader.locator('.reveal-refresh').waitFor()
    const q2 = (await (await apiAs(s, 'lg')).get('/reveal-requests?state=pending')).items[0]
    await (await apiAs(s, 'lg')).post(`/reveal-requests/${q2.id}/approve`, {})
    await leader.locator('.reveal-refresh').click()
    await leader.locator('.reveal-view').click()
    await leader.locator('.reporter-identity', { hasText: NAME }).waitFor()
    await leader.locator('.reveal-notice', { hasText: '记入审计日志' }).waitFor()
    expect(leader.problems.length === 0 && lg.problems.length === 0, `page errors: ${[...leader.problems, ...lg.problems]}`)
  } finally {
    await s.stop()
  }
})

test('anonymous_receipt_shown_once_and_checked_by_staff', async (ctx) => {
  const s = await new Server().start()
  try {
    const m = await signIn(ctx, s, 'member1')
    await m.goto(`${s.url}/r/petitions`)
    await m.locator('.create').click()
    await choose(m, '被巡察单位', '人民防空')
    await choose(m, '渠道', '码上巡')
    await fillField(m, '收到日期', today())
    await fillField(m, '内容摘要', '匿名反映人防办违规收费')
    await dlg(m).locator('.el-form-item', { hasText: '匿名' }).locator('.el-switch').click()
    await dlg(m).locator('.submit').click()
    const box = m.locator('.receipt-dialog')
    await box.locator('.receipt-code').waitFor()
    const code = (await box.locator('.receipt-code').innerText()).trim()
    expect(/^\d{16}$/.test(code), `16 digits: ${code}`)
    expect((await box.innerText()).includes('只显示这一次'), 'the dialog says it will not be shown again')
    await box.locator('.receipt-close').click()
    await box.waitFor({ state: 'hidden' })
    // never again: the page reloaded shows no receipt
    await m.reload()
    await m.locator('.receipt-check').waitFor()
    expect((await m.locator('.receipt-dialog:visible').count()) === 0 && !(await m.locator('body').innerText()).includes(code), 'the receipt is shown once')
    // 核对查询码: a wrong one, then the right one
    const wrong = code.slice(0, 15) + String((Number(code[15]) + 1) % 10)
    await m.fill('.receipt-check input[name=receipt]', wrong)
    await m.locator('.receipt-submit').click()
    await m.locator('.receipt-result', { hasText: '不一致' }).waitFor()
    await m.fill('.receipt-check input[name=receipt]', code)
    await m.locator('.receipt-submit').click()
    await m.locator('.receipt-result', { hasText: '查询码一致' }).waitFor()
    // an anonymous petition has no identity to ask for
    const leader = await signIn(ctx, s, 'leader1')
    await leader.goto(m.url())
    await leader.locator('.receipt-check').waitFor()
    expect((await leader.locator('.reveal-ask').count()) === 0, 'nothing to reveal on an anonymous petition')
    expect(m.problems.length === 0, `page errors: ${m.problems}`)
  } finally {
    await s.stop()
  }
})
