// test_exports.mjs — issue 17's exports, prints, search box and uploads, in
// Chromium: a list's 导出 Excel downloads the server's .xlsx of the rows the page
// shows (its filters), 打印 tells the server (audited) before the browser prints
// and the watermark carries the user; the header's search box finds a problem by
// its 问题编号 and opens it; several evidence files are uploaded at once and an
// image is previewed in the page. No console error on the way.
import { test, Server, signIn, expect, expectNoConsoleErrors, apiAs, today } from './lib.mjs'

const cat = (code) => `01940000-0000-7000-8000-${code.padEnd(12, '0')}`
// a real 1×1 PNG (the preview decodes it)
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

async function problem(s, title) {
  const m1 = await apiAs(s, 'member1')
  return m1.post('/problems', {
    target_id: s.ids.targets.u1, category_id: cat('0403'), title, description: '单位将公款存入会计个人账户',
    amount: '386000.00', found_by: 'records', found_on: today(),
  })
}

test('list_export_print_and_search_box', async (ctx) => {
  const s = await new Server().start()
  try {
    const p = await problem(s, '公款私存导出测试')
    await problem(s, '另一个问题')
    const office = await signIn(ctx, s, 'office')
    await office.goto(`${s.url}/r/problems?q=${encodeURIComponent('导出测试')}`)
    await office.locator('.records .cell-link').first().waitFor()
    // the export: the server's workbook of the filtered rows
    const [dl] = await Promise.all([office.waitForEvent('download'), office.locator('.page-head .export').click()])
    expect(/^问题清单-\d{4}-\d{2}-\d{2}\.xlsx$/.test(dl.suggestedFilename()), `file name ${dl.suggestedFilename()}`)
    const chunks = []
    for await (const c of await dl.createReadStream()) chunks.push(c)
    const xlsx = Buffer.concat(chunks)
    expect(xlsx.subarray(0, 2).toString() === 'PK', 'an xlsx (zip) file')
    // the print: told to the server, then the browser's print with the watermark
    await office.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed++ } })
    await office.locator('.page-head .print').click()
    await office.waitForFunction(() => window.__printed === 1)
    const mark = await office.locator('.print-watermark span').first().textContent()
    expect(mark.includes('office'), `watermark ${mark}`)
    // the server recorded both (the audit log, as the audit administrator reads it)
    const audit = await (await apiAs(s, 'auditadmin')).get('/audit?per_page=50').catch((e) => ({ error: String(e) }))
    const actions = (audit.items || []).map((a) => a.action)
    expect(actions.includes('list.export') && actions.includes('list.print'), `audit ${JSON.stringify(actions).slice(0, 300)} ${audit.error || ''}`)
    // the search box: the problem by its number, opened from the results
    const seq = (await (await apiAs(s, 'member1')).get(`/problems/${p.id}`)).seq_no
    await office.locator('.header-search input').fill(seq)
    await office.locator('.header-search input').press('Enter')
    await office.waitForURL((u) => new URL(u).pathname === '/search')
    const hit = office.locator('.search-group[data-kind=problem] .search-hit').first()
    expect((await hit.textContent()).includes('公款私存导出测试'), 'the problem found by its number')
    await hit.click()
    await office.waitForURL(`**/r/problems/${p.id}`)
    // a record page prints too
    await office.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed++ } })
    await office.locator('.record-actions .print').click()
    await office.waitForFunction(() => window.__printed === 1)
    expectNoConsoleErrors(office)
  } finally {
    await s.stop()
  }
})

test('several_files_uploaded_at_once_and_previewed', async (ctx) => {
  const s = await new Server().start()
  try {
    const p = await problem(s, '佐证上传测试')
    const m1 = await signIn(ctx, s, 'member1')
    await m1.goto(`${s.url}/r/problems/${p.id}`)
    await m1.locator('.files-panel .upload-label').waitFor()
    await m1.locator('.files-panel .upload-input').setInputFiles([
      { name: '银行流水.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: '现场照片.png', mimeType: 'image/png', buffer: PNG },
    ])
    await m1.locator('.files-panel').getByText('现场照片.png').waitFor()
    await m1.locator('.files-panel').getByText('银行流水.pdf').waitFor()
    // the image previewed in the page (served inline, sandboxed)
    const row = m1.locator('.files-panel tr').filter({ hasText: '现场照片.png' })
    await row.locator('.preview').click()
    const img = m1.locator('.preview-dialog img.preview-image')
    await img.waitFor()
    await m1.waitForFunction(() => document.querySelector('.preview-dialog img.preview-image')?.naturalWidth === 1)
    await m1.locator('.preview-dialog').getByRole('button', { name: '关闭', exact: true }).click()
    // the PDF in a frame of the page
    await m1.locator('.files-panel tr').filter({ hasText: '银行流水.pdf' }).locator('.preview').click()
    const src = await m1.locator('.preview-dialog iframe.preview-frame').getAttribute('src')
    expect(/\/api\/v1\/files\/[0-9a-f-]{36}\?inline=1$/.test(src), `frame ${src}`)
    expectNoConsoleErrors(m1)
  } finally {
    await s.stop()
  }
})
