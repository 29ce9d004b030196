// test_findings.mjs — a problem (问题底稿) through the browser: a team member records
// it with a category from the two-level taxonomy, uploads its evidence (a PDF,
// type checked by the server), the leader confirms it from the button the API
// offers; the office's dashboard shows the statistics figures.
import { test, Server, signIn, choose, fillField, expect } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')

test('problem_with_category_evidence_upload_and_confirmation', async (ctx) => {
  const s = await new Server().start()
  try {
    const m = await signIn(ctx, s, 'member1')
    await m.click('.side-menu >> text=问题清单')
    await m.locator('.create').click()
    await choose(m, '被巡察单位', '人民防空')
    await choose(m, '问题类别', '/') // any second-level category, shown as 领域 / 类别
    await fillField(m, '问题', '公款私存')
    await fillField(m, '问题描述', '会计将公款存入个人账户, 经调阅银行流水核实。')
    await fillField(m, '涉及金额 (元)', '461234.50')
    await choose(m, '发现方式', '调阅资料')
    await fillField(m, '发现日期', today())
    await dlg(m).locator('.submit').click()
    await m.locator('.state-tag').waitFor()
    await m.locator('.el-descriptions', { hasText: '461,234.50 元' }).waitFor()
    const url = m.url()

    // evidence: a PDF is accepted; a file that lies about its type is refused with the server's message
    await m.locator('.files-panel .upload-input').setInputFiles({ name: '银行流水.pdf', mimeType: 'application/pdf', buffer: PDF })
    await m.locator('.files-panel tr', { hasText: '银行流水.pdf' }).waitFor()
    expect((await m.locator('.files-panel a[download]').getAttribute('href')).startsWith('/api/v1/files/'), 'download link')
    await m.locator('.files-panel .upload-input').setInputFiles({ name: '照片.png', mimeType: 'image/png', buffer: PDF })
    await m.locator('.files-panel .el-alert').waitFor()

    const leader = await signIn(ctx, s, 'leader1')
    await leader.goto(url)
    await leader.locator('.record-actions button[data-verb=confirm]').click()
    await dlg(leader).locator('.submit').click()
    await leader.locator('.state-tag', { hasText: '已确认' }).or(leader.locator('.history', { hasText: '确认' })).first().waitFor()
    expect((await leader.locator('.record-actions button[data-verb=confirm]').count()) === 0, 'confirmed once')

    const office = await signIn(ctx, s, 'office')
    await office.click('.side-menu >> text=统计分析')
    await office.locator('.kpi[data-measure=problems_found]').waitFor()
    await office.locator('.ledgers a', { hasText: '问题台账' }).waitFor()
  } finally {
    await s.stop()
  }
})
