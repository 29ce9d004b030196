// test_screens.mjs — the pages on paper and on phones, and coming back to a list:
// printing (the print stylesheet on A4 width) hides the menu, top bar, buttons
// and pager, shows lists and record pages at full width with wrapped cells, and
// every printed page carries the user's name and the time; at 390×844 the menu
// is a drawer opened from the top bar, a form's 确定 is on screen and wide
// tables scroll inside their card; a list keeps its filters and page when the
// user comes back from a record (URL query, breadcrumbs); team pickers name the
// round beside the team.
import { test, Server, signIn, expect, newPage, today } from './lib.mjs'
import { setUp } from './test_roles.mjs'

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(200)
}

// Under print media at A4 width (794 px at 96 dpi): nothing wider than the
// page, no menu or buttons, the watermark with the user's name.
async function checkPrinted(page, who, what) {
  await page.emulateMedia({ media: 'print' })
  await page.setViewportSize({ width: 794, height: 1123 })
  await settle(page)
  const r = await page.evaluate(() => {
    const vis = (sel) => [...document.querySelectorAll(sel)].some((e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length)
    const wm = document.querySelector('.print-watermark')
    const cells = [...document.querySelectorAll('.el-table .cell')]
    return {
      wide: document.documentElement.scrollWidth,
      aside: vis('.side'), topbar: vis('.topbar'), buttons: vis('.record-actions button, .page-head .actions button, .el-pagination'),
      wm: wm && getComputedStyle(wm).display !== 'none' ? wm.innerText : '',
      cut: cells.filter((c) => c.scrollWidth > c.clientWidth + 1 || getComputedStyle(c).whiteSpace === 'nowrap').length,
    }
  })
  expect(r.wide <= 794, `${what}: 打印内容宽 ${r.wide}px, 超出 A4`)
  expect(!r.aside && !r.topbar && !r.buttons, `${what}: 打印时隐藏菜单、顶栏和按钮 ${JSON.stringify(r)}`)
  expect(r.wm.includes(who) && /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(r.wm), `${what}: 水印含姓名和时间: ${r.wm.slice(0, 80)}`)
  expect(r.cut === 0, `${what}: ${r.cut} 个单元格被截断`)
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  expect(pdf.length > 1000, `${what}: PDF`)
  await page.emulateMedia({ media: 'screen' })
  await page.setViewportSize({ width: 1366, height: 768 })
}

test('print_stylesheet_with_watermark_for_lists_and_records', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    const page = await signIn(ctx, s, 'office')
    const name = (await page.locator('.topbar .who').textContent()).split(' · ')[0]
    await page.goto(`${s.url}/r/rect-tasks`)
    await page.locator('.records .el-table__body tr').first().waitFor()
    await checkPrinted(page, name, '整改任务列表')
    await page.goto(`${s.url}/r/problems/${recs.problems}`)
    await page.locator('.history').waitFor()
    await checkPrinted(page, name, '问题记录页')
  } finally {
    await s.stop()
  }
})

test('small_screen_menu_drawer_dialog_fits_tables_scroll', async (ctx) => {
  const s = await new Server().start()
  try {
    await setUp(s)
    const page = await signIn(ctx, s, 'member1')
    await page.setViewportSize({ width: 390, height: 844 })
    await settle(page)
    const side = page.locator('.side')
    const box = async () => side.boundingBox()
    expect((await box()).x + (await box()).width <= 0, `菜单收起: ${JSON.stringify(await box())}`)
    await page.locator('.menu-toggle').click()
    await page.waitForTimeout(300)
    expect((await box()).x >= 0, '菜单展开')
    await page.locator('.side-menu .el-menu-item', { hasText: '问题清单' }).click()
    await page.waitForURL('**/r/problems**')
    await page.waitForTimeout(300)
    expect((await box()).x + (await box()).width <= 0, '打开页面后菜单收起')
    // the page never scrolls sideways; the table does, inside its card
    await page.locator('.records .el-table__body tr').first().waitFor()
    const w = await page.evaluate(() => {
      const wrap = document.querySelector('.records .el-table__body-wrapper .el-scrollbar__wrap') || document.querySelector('.records .el-table__body-wrapper')
      return { page: document.documentElement.scrollWidth, table: wrap.scrollWidth, shown: wrap.clientWidth }
    })
    expect(w.page <= 390, `页面宽 ${w.page}px`)
    expect(w.table > w.shown, `表格横向滚动 ${JSON.stringify(w)}`)
    // the create form: 确定 on screen
    await page.locator('.create').click()
    const ok = page.locator('.el-dialog:visible .submit')
    await ok.waitFor()
    await page.waitForTimeout(400)
    const b = await ok.boundingBox()
    const d = await page.locator('.el-dialog:visible').boundingBox()
    expect(d.x >= 0 && d.x + d.width <= 390, `对话框宽度 ${JSON.stringify(d)}`)
    expect(b.x >= 0 && b.x + b.width <= 390 && b.y >= 0 && b.y + b.height <= 844, `确定可见 ${JSON.stringify(b)}`)
  } finally {
    await s.stop()
  }
})

test('list_keeps_filters_and_page_breadcrumbs_team_picker_names_round', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    const page = await signIn(ctx, s, 'office')
    await page.goto(`${s.url}/r/problems?q=公款私存&per_page=10&sort=-found_on`)
    const link = page.locator('.records a.cell-link', { hasText: '公款私存' })
    await link.waitFor()
    expect((await page.locator('.records .el-table__body tr').count()) === 1, 'filtered to the one problem')
    await link.click()
    await page.locator('.record-title').waitFor()
    // breadcrumbs: 工作台 / 问题清单 / the record
    const crumbs = (await page.locator('.crumbs').innerText()).replace(/\s+/g, '')
    expect(crumbs.startsWith('工作台/问题清单/') && crumbs.includes('公款私存'), `面包屑: ${crumbs}`)
    await page.locator('.crumbs .el-breadcrumb__item').nth(1).locator('.el-breadcrumb__inner').click()
    await page.waitForURL((u) => new URL(u).pathname === '/r/problems')
    const q = new URL(page.url()).searchParams
    expect(q.get('q') === '公款私存' && q.get('per_page') === '10' && q.get('sort') === '-found_on', `回到列表保留条件: ${page.url()}`)
    await link.waitFor()
    expect((await page.locator('.records .el-table__body tr').count()) === 1, 'the filter still applies')
    // 返回列表 does the same
    await link.click()
    await page.locator('.record-title').waitFor()
    await page.locator('.record-actions .back').click()
    await page.waitForURL((u) => new URL(u).searchParams.get('q') === '公款私存')

    // team pickers: the round next to the team's name
    await page.goto(`${s.url}/r/targets`)
    // the filters render once the user's actions are known: wait for them before counting
    await page.locator('.filters .el-form-item', { hasText: '轮次' }).waitFor()
    const picker = page.locator('.filters .el-form-item', { hasText: '巡察组' }).locator('.el-select__wrapper')
    if (await picker.count()) {
      await picker.click()
      const opt = page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first()
      await opt.waitFor()
      const t = await opt.innerText()
      expect(/第.巡察组 · .+/.test(t), `巡察组带轮次: ${t}`)
    } else expect(false, 'a team picker on the target list')
    void recs
    void today
    void newPage
  } finally {
    await s.stop()
  }
})
