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
// a real one-page PDF filled red (the preview's viewer must paint it)
const PDF = Buffer.from('JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4KZW5kb2JqCjIgMCBvYmoKPDwgL1R5cGUgL1BhZ2VzIC9LaWRzIFszIDAgUl0gL0NvdW50IDEgPj4KZW5kb2JqCjMgMCBvYmoKPDwgL1R5cGUgL1BhZ2UgL1BhcmVudCAyIDAgUiAvTWVkaWFCb3ggWzAgMCAyMDAgMjAwXSAvQ29udGVudHMgNCAwIFIgL1Jlc291cmNlcyA8PCA+PiA+PgplbmRvYmoKNCAwIG9iago8PCAvTGVuZ3RoIDI1ID4+CnN0cmVhbQoxIDAgMCByZyAwIDAgMjAwIDIwMCByZSBmCmVuZHN0cmVhbQplbmRvYmoKeHJlZgowIDUKMDAwMDAwMDAwMCA2NTUzNSBmIAowMDAwMDAwMDA5IDAwMDAwIG4gCjAwMDAwMDAwNTggMDAwMDAgbiAKMDAwMDAwMDExNSAwMDAwMCBuIAowMDAwMDAwMjE5IDAwMDAwIG4gCnRyYWlsZXIKPDwgL1NpemUgNSAvUm9vdCAxIDAgUiA+PgpzdGFydHhyZWYKMjk0CiUlRU9GCg==', 'base64')

// The number of pure red pixels in a PNG screenshot (decoded by the page itself).
async function redPixels(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image()
    img.src = `data:image/png;base64,${b64}`
    await img.decode()
    const c = document.createElement('canvas')
    c.width = img.width
    c.height = img.height
    const g = c.getContext('2d')
    g.drawImage(img, 0, 0)
    const d = g.getImageData(0, 0, c.width, c.height).data
    let n = 0
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) n++
    return n
  }, png.toString('base64'))
}

async function downloaded(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()])
  const chunks = []
  for await (const c of await dl.createReadStream()) chunks.push(c)
  const body = Buffer.concat(chunks)
  expect(body.subarray(0, 2).toString() === 'PK', `an xlsx (zip) file: ${dl.suggestedFilename()}`)
  return dl.suggestedFilename()
}

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
    const frame = m1.locator('.preview-dialog iframe.preview-frame')
    const src = await frame.getAttribute('src')
    expect(/\/api\/v1\/files\/[0-9a-f-]{36}\?inline=1$/.test(src), `frame ${src}`)
    // Chromium's PDF viewer really paints it under the sandboxing CSP: its
    // extension frame is there and the page's red shows in the frame's pixels
    let red = 0
    for (let i = 0; i < 40 && red < 2000; i++) {
      await m1.waitForTimeout(250)
      red = await redPixels(m1, await frame.screenshot())
    }
    const viewer = m1.frames().some((f) => f.url().startsWith('chrome-extension://'))
    expect(viewer && red >= 2000, `PDF preview rendered: viewer ${viewer}, red pixels ${red}`)
    expectNoConsoleErrors(m1)
  } finally {
    await s.stop()
  }
})

test('other_lists_and_related_lists_export', async (ctx) => {
  const s = await new Server().start()
  try {
    // lists outside the record engine: the audit log, the users
    const aa = await signIn(ctx, s, 'auditadmin')
    await aa.goto(`${s.url}/r/audit`)
    await aa.locator('.records .el-table__row').first().waitFor()
    const f1 = await downloaded(aa, () => aa.locator('.page-head .export').click())
    expect(/^审计日志-\d{4}-\d{2}-\d{2}\.xlsx$/.test(f1), `file name ${f1}`)
    const sys = await signIn(ctx, s, 'sysadmin')
    await sys.goto(`${s.url}/r/users`)
    await sys.locator('.records .el-table__row').first().waitFor()
    const f2 = await downloaded(sys, () => sys.locator('.page-head .export').click())
    expect(f2.startsWith('用户清单-'), `file name ${f2}`)
    // related lists inside a record page: a round's teams, a team's targets
    const office = await signIn(ctx, s, 'office')
    await office.goto(`${s.url}/r/rounds/${s.ids.round}`)
    await office.locator('.round-teams .records .el-table__row').first().waitFor()
    const f3 = await downloaded(office, () => office.locator('.round-teams [data-export=team]').click())
    expect(f3.startsWith('巡察组清单-'), `file name ${f3}`)
    await office.goto(`${s.url}/r/teams/${s.ids.teams.t1}`)
    await office.locator('.team-targets .records .el-table__row').first().waitFor()
    const f4 = await downloaded(office, () => office.locator('.team-targets [data-export=target]').click())
    expect(f4.startsWith('巡察对象清单-'), `file name ${f4}`)
    // a record page's related list (a target's assistance requests; empty lists export too)
    await office.goto(`${s.url}/r/targets/${s.ids.targets.u1}`)
    const rel = office.locator('.related[data-related=assistance] [data-export=assistance]')
    await rel.waitFor()
    const f5 = await downloaded(office, () => rel.click())
    expect(/清单-\d{4}-\d{2}-\d{2}\.xlsx$/.test(f5), `file name ${f5}`)
    // the server recorded each, with the related list's filter name
    const audit = await (await apiAs(s, 'auditadmin')).get('/audit?action=list.export&per_page=50')
    const what = audit.items.map((a) => JSON.parse(a.detail || '{}'))
    for (const w of ['audit', 'users', 'team', 'target', 'assistance']) expect(what.some((d) => d.what === w), `audited ${w}: ${JSON.stringify(what)}`)
    expect(what.some((d) => d.what === 'team' && d.filters.includes('round_id')), 'the round filter kept')
    expectNoConsoleErrors(aa, sys, office)
  } finally {
    await s.stop()
  }
})
