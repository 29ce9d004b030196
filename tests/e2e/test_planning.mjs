// test_planning.mjs — planning a round through the browser: the office builds the
// cadre pool, plans a round and a team, adds a target, sees the recusal warning
// (and the server's refusal with the conflict), takes a matching suggestion with
// its reason, requests vetting; the leading group approves the plan from its
// home page; the cadre department answers the vetting (the server's error shown
// next to the field when the reason is missing).
import { test, Server, signIn, choose, fillField, expect } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
async function submit(page) {
  await dlg(page).locator('.submit').click()
  await dlg(page).waitFor({ state: 'hidden' })
}

async function newPerson(page, s, name, org, tag) {
  await page.goto(`${s.url}/r/persons`)
  await page.locator('.create').click()
  await fillField(page, '姓名', name)
  await choose(page, '单位', org)
  await submit(page)
  await page.locator('.record-title', { hasText: name }).waitFor()
  if (tag) {
    await page.locator('.person-profile button', { hasText: '设置专长' }).click()
    await choose(page, '专长', tag)
    await dlg(page).locator('.el-dialog__title').click() // close the dropdown
    await submit(page)
    await page.locator('.person-profile .el-tag', { hasText: tag }).waitFor()
  }
}

test('plan_round_with_matching_recusal_vetting_and_approval', async (ctx) => {
  const s = await new Server().start()
  try {
    const office = await signIn(ctx, s, 'office')
    await newPerson(office, s, '审计甲', '枣阳市审计局', '审计')
    await newPerson(office, s, '财务乙', '枣阳市人民防空办公室', '财务')

    // the round
    await office.goto(`${s.url}/r/rounds`)
    await office.locator('.create').click()
    await fillField(office, '轮次名称', '八届市委第六轮巡察')
    await fillField(office, '届次', '八届')
    await fillField(office, '轮次', '6')
    await choose(office, '巡察类型', '专项巡察')
    await submit(office)
    await office.locator('.state-tag', { hasText: '计划中' }).waitFor()
    const roundUrl = office.url()
    expect((await office.locator('.record-actions button[data-verb]').count()) === 0, 'the office cannot approve its own plan')

    // a team in it, and a target unit for the team
    await office.locator('.add-team').click()
    await choose(office, '常设巡察组', '市委第一巡察组')
    await fillField(office, '名称', '第一巡察组')
    await submit(office)
    await office.locator('.round-teams a.cell-link', { hasText: '第一巡察组' }).click()
    await office.locator('.record-title', { hasText: '第一巡察组' }).waitFor()
    await office.locator('.team-targets button', { hasText: '批量确定巡察对象' }).click()
    await choose(office, '被巡察单位', '人民防空')
    await dlg(office).locator('.el-dialog__title').click()
    await submit(office)
    await office.locator('.team-targets', { hasText: '枣阳市人民防空办公室' }).waitFor()

    // recusal: 财务乙 works at the target unit — warned, and the server refuses
    await office.locator('.recusal .el-select__wrapper').click()
    await office.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '财务乙' }).click()
    await office.locator('.check-recusal').click()
    await office.locator('.recusal-warning', { hasText: '枣阳市人民防空办公室' }).waitFor()
    await office.locator('.add-member').click()
    await choose(office, '人员', '财务乙')
    await choose(office, '抽调单位', '人民防空')
    await dlg(office).locator('.submit').click()
    await dlg(office).locator('.error-details', { hasText: '枣阳市人民防空办公室' }).waitFor()
    await dlg(office).locator('button', { hasText: '取消' }).click()

    // matching: 审计甲 is suggested with the reason; 财务乙 (recusal) is not
    await office.goto(roundUrl)
    await office.locator('.suggestions .el-select__wrapper').click()
    await office.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '审计' }).first().click()
    await office.locator('.suggestions h3').click()
    await office.locator('.suggest').click()
    const sug = office.locator('.suggest-team')
    await sug.locator('tr', { hasText: '审计甲' }).waitFor()
    expect((await sug.textContent()).includes('补足专长 审计'), 'the suggestion gives its reason')
    expect(!(await sug.textContent()).includes('财务乙'), 'a person who must recuse is not suggested')
    await sug.locator('tr', { hasText: '审计甲' }).locator('button', { hasText: '编入本组' }).click()
    await choose(office, '组内职务', '组长')
    await choose(office, '抽调单位', '审计局')
    await submit(office)
    await office.locator('.request-vetting').click()
    await office.locator('.el-message', { hasText: '已提请廉政审核 1 人' }).waitFor()

    // the leading group approves the plan from its home page
    const lg = await signIn(ctx, s, 'lg')
    const card = lg.locator('.home-section').filter({ has: lg.locator('h3:text-is("待批准的巡察计划")') })
    await card.locator('a.cell-link', { hasText: '八届市委第六轮巡察' }).click()
    await lg.locator('.record-actions button[data-verb=approve]').click()
    await fillField(lg, '意见', '同意')
    await submit(lg)
    await lg.locator('.state-tag', { hasText: '已批准' }).waitFor()

    // the cadre department answers: 有异议 needs a reason (the server says so next to the field)
    const cadre = await signIn(ctx, s, 'cadre')
    await cadre.locator('.home-section h3', { hasText: '待答复的廉政审核' }).waitFor()
    await cadre.goto(`${s.url}/r/vettings`)
    await cadre.locator('tr', { hasText: '审计甲' }).locator('.row-action', { hasText: '答复' }).click()
    await choose(cadre, '审核意见', '有异议')
    await dlg(cadre).locator('.submit').click()
    const reasonItem = dlg(cadre).locator('.el-form-item').filter({ has: cadre.locator('label', { hasText: '理由' }) })
    await reasonItem.locator('.el-form-item__error').waitFor()
    await fillField(cadre, '理由 (有异议时必填)', '曾受党内警告处分, 影响期未满')
    await submit(cadre)
    await cadre.locator('tr', { hasText: '审计甲' }).locator('.el-tag', { hasText: '有异议' }).waitFor()
  } finally {
    await s.stop()
  }
})
