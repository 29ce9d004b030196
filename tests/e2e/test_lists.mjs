// test_lists.mjs — a list pages by the server's `next` cursors (issue 15,
// docs/api.md "Lists"): the pager's next page asks with the cursor of the page
// before, the URL keeps the page's cursor, coming back from a record returns
// to that very page, and going back a page uses the cursor seen before.
import { test, Server, signIn, expect, apiAs } from './lib.mjs'

async function names(page) {
  await page.locator('.records .el-table__body tr').first().waitFor()
  await page.waitForLoadState('networkidle').catch(() => {})
  return page.locator('.records .el-table__body tr a.cell-link').allInnerTexts()
}

test('list_pages_follow_next_cursors_and_come_back_to_the_same_page', async (ctx) => {
  const s = await new Server().start()
  try {
    const api = await apiAs(s, 'office')
    const all = (await api.get('/orgs?per_page=200&sort=name')).items.map((o) => o.name)
    expect(all.length >= 6, `演示数据应有至少 6 个组织: ${all.length}`)
    const page = await signIn(ctx, s, 'office')
    const asked = []
    page.on('request', (r) => { if (r.url().includes('/api/v1/orgs?')) asked.push(new URL(r.url()).searchParams) })
    await page.goto(`${s.url}/r/orgs?per_page=2`)
    const p1 = await names(page)
    expect(JSON.stringify(p1) === JSON.stringify(all.slice(0, 2)), `第 1 页: ${p1}`)
    await page.locator('.el-pagination .btn-next').click()
    await page.waitForURL((u) => new URL(u).searchParams.get('page') === '2')
    const p2 = await names(page)
    expect(JSON.stringify(p2) === JSON.stringify(all.slice(2, 4)), `第 2 页: ${p2}`)
    await page.locator('.el-pagination .btn-next').click()
    await page.waitForURL((u) => new URL(u).searchParams.get('page') === '3')
    const p3 = await names(page)
    expect(JSON.stringify(p3) === JSON.stringify(all.slice(4, 6)), `第 3 页: ${p3}`)
    // the pages after the first were asked by cursor, never by OFFSET
    expect(asked.filter((q) => q.get('cursor')).length >= 2 && !asked.some((q) => Number(q.get('page')) > 1),
      `翻页应使用 cursor: ${asked.map(String)}`)
    const url3 = new URL(page.url())
    expect(url3.searchParams.get('cursor'), `地址应保留本页的 cursor: ${page.url()}`)
    // to a record and back: the same page, the same rows
    await page.locator('.records a.cell-link', { hasText: p3[0] }).click()
    await page.locator('.record-title').waitFor()
    await page.locator('.record-actions .back').click()
    await page.waitForURL((u) => new URL(u).searchParams.get('page') === '3')
    expect(new URL(page.url()).searchParams.get('cursor') === url3.searchParams.get('cursor'), '返回列表保留 cursor')
    const back = await names(page)
    expect(JSON.stringify(back) === JSON.stringify(p3), `返回后仍在第 3 页: ${back}`)
    // a page back uses the cursor seen before
    await page.locator('.el-pagination .btn-prev').click()
    await page.waitForURL((u) => new URL(u).searchParams.get('page') === '2')
    const again = await names(page)
    expect(JSON.stringify(again) === JSON.stringify(p2), `上一页: ${again}`)
  } finally {
    await s.stop()
  }
})
