// test_clue_story.mjs — 边巡边交 through the browser: a team member records a
// clue, the team leader verifies it, the office hands it over (the inbox tells
// it first), 案管室 registers it; each sees only the buttons the API allows.
import { test, Server, signIn, choose, fillField, expect } from './lib.mjs'

const TITLE = '人防办会计公款私存问题'

function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

async function openClueFromHome(page, section) {
  const card = page.locator('.home-section').filter({ has: page.locator(`h3:text-is("${section}")`) })
  await card.locator('a.cell-link', { hasText: TITLE }).click()
  await page.locator('.record-title', { hasText: TITLE }).waitFor()
}

async function act(page, verb, stateLabel) {
  await page.locator(`.record-actions button[data-verb=${verb}]`).click()
  await page.locator('.el-dialog:visible .submit').click()
  await page.locator('.state-tag', { hasText: stateLabel }).waitFor()
}

async function buttons(page) {
  await page.locator('.record-actions').waitFor()
  return page.locator('.record-actions button[data-verb]').evaluateAll((bs) => bs.map((b) => b.dataset.verb))
}

test('clue_story_member_leader_office_casemgmt', async (ctx) => {
  const s = await new Server().start()
  try {
    // 1. the team member records the clue as a draft
    const member = await signIn(ctx, s, 'member1')
    await member.click('.side-menu >> text=问题线索')
    await member.locator('.create').click()
    await choose(member, '被巡察单位', '人民防空')
    await fillField(member, '线索标题', TITLE)
    await fillField(member, '被反映人', '王某某')
    await fillField(member, '职务', '会计')
    await choose(member, '来源', '查阅资料')
    await fillField(member, '发现日期', today())
    await fillField(member, '反映的主要问题', '反映该单位会计将公款存入个人账户, 涉及金额约46万元。')
    await member.locator('.el-dialog:visible .submit').click()
    await member.locator('.state-tag', { hasText: '草稿' }).waitFor()
    const clueUrl = member.url()
    expect(/\/r\/clues\/[0-9a-f-]{36}$/.test(clueUrl), `record page url ${clueUrl}`)
    expect((await buttons(member)).length === 0, 'a member has no lifecycle button (the leader verifies)')
    await member.locator('.edit').waitFor() // a draft is editable by its team
    await member.locator('.history', { hasText: '创建' }).waitFor()

    // 2. the team leader sees it waiting on the home page and verifies it
    const leader = await signIn(ctx, s, 'leader1')
    await openClueFromHome(leader, '待核实的问题线索')
    expect(JSON.stringify(await buttons(leader)) === '["verify"]', 'leader: only 核实')
    await leader.locator('.secret', { hasText: '公款存入个人账户' }).waitFor() // the allegation, for the team
    await act(leader, 'verify', '已核实')
    await leader.locator('.history', { hasText: '核实' }).waitFor()

    // 3. the office is told in its inbox, opens the message and hands the clue over
    const office = await signIn(ctx, s, 'office')
    await office.locator('.unread-badge sup', { hasText: '1' }).waitFor()
    await office.click('.inbox-link')
    await office.locator('.open-message:visible').first().click()
    await office.locator('.record-title', { hasText: TITLE }).waitFor()
    expect(JSON.stringify(await buttons(office)) === '["handover"]', 'office: only 移交')
    await act(office, 'handover', '已移交')
    await office.locator('.el-descriptions', { hasText: '边巡边交' }).waitFor()
    await office.locator('.el-descriptions', { hasText: `枣巡移〔${today().slice(0, 4)}〕1号` }).waitFor()

    // 4. 案管室 finds it awaiting registration and registers it
    const cm = await signIn(ctx, s, 'casemgmt')
    await openClueFromHome(cm, '待登记的问题线索')
    expect(JSON.stringify(await buttons(cm)) === '["register"]', 'casemgmt: only 登记')
    await act(cm, 'register', '已登记')
    await cm.locator('.el-descriptions', { hasText: `枣纪案登〔${today().slice(0, 4)}〕1号` }).waitFor()
    await cm.locator('.history', { hasText: '登记' }).waitFor()
    expect(JSON.stringify(await buttons(cm)) === '["dispose"]', 'casemgmt: next 处置')

    // the member's page, reloaded, shows the whole history and no buttons
    await member.goto(clueUrl)
    await member.locator('.state-tag', { hasText: '已登记' }).waitFor()
    for (const step of ['核实', '移交', '登记']) await member.locator('.history', { hasText: step }).waitFor()
    expect((await buttons(member)).length === 0, 'member: no buttons after registration')
    expect((await member.locator('.edit').count()) === 0, 'member: no edit after verification')
  } finally {
    await s.stop()
  }
})
