// test_words.mjs — every demo role's main pages in its own words: the home page,
// each list of its menu, one record page of each kind it reads (with its history),
// the inbox, the dashboard and the drill-downs behind its figures show no English
// identifier (a field name like discovered_on, a code like during_patrol, an
// action name like file.upload), no flag as 1/0, and amounts in 元 with
// thousands separators.
import { test, Server, signIn, expect, apiAs } from './lib.mjs'
import { setUp } from './test_roles.mjs'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
const ROLES = ['lg', 'office', 'leader1', 'member1', 'liaison', 'casemgmt', 'dispatched1', 'unit1']

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(150)
}

// What the page shows that is not in the user's words: identifier-like ASCII
// (snake_case, dotted action names), flag cells as 1/0 (columns whose header is
// the label of a declared flag) and amounts in 分 or without 元.
async function scan(page, flagLabels) {
  return page.evaluate((flags) => {
    const bad = []
    const main = document.querySelector('.shell') || document.body
    const text = main.innerText
    for (const re of [/\b[a-z]+_[a-z0-9_]+\b/g, /\b[a-z]+(?:_[a-z]+)*\.[a-z_]+\b/g, /\b[A-Za-z0-9]{8}…/g])
      for (const m of text.match(re) || []) if (!/^(www|http)/.test(m)) bad.push(`"${m}"`)
    for (const t of document.querySelectorAll('.el-table')) {
      const heads = [...t.querySelectorAll('.el-table__header th')].map((th) => th.innerText.trim())
      for (const tr of t.querySelectorAll('.el-table__body tr')) {
        const cells = [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())
        heads.forEach((h, i) => {
          const v = cells[i]
          if (v === undefined) return
          if (flags.includes(h) && /^[01]$/.test(v)) bad.push(`${h}=${v}`)
          if (/金额|分\)/.test(h) && v && !/^-?[\d,]+\.\d\d 元$/.test(v)) bad.push(`${h}=${v}`)
        })
      }
    }
    for (const d of document.querySelectorAll('.el-descriptions__cell.is-bordered-label')) {
      const v = d.nextElementSibling?.innerText.trim() || ''
      if (/金额/.test(d.innerText) && v && !/^-?[\d,]+\.\d\d 元$/.test(v)) bad.push(`${d.innerText}=${v}`)
    }
    return bad
  }, flagLabels)
}

test('every_role_sees_its_pages_in_its_own_words', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    // history with an upload and a progress entry, a clue with an outcome
    const unit = await apiAs(s, 'unit1')
    await unit.post(`/rect-tasks/${recs['rect-tasks']}/progress`, { text: '已追回资金20万元' })
    const meta = await unit.get('/meta')
    const flagLabels = [...new Set([
      ...Object.values(meta.kinds).flatMap((k) => k.fields.filter((f) => f.type === 'bool').map((f) => f.label)),
      ...meta.measures.flatMap((m) => m.columns.filter((c) => /^(flag_|is_|long_term|immediate)/.test(c.name)).map((c) => c.label)),
    ])].filter(Boolean)
    const kinds = ['targets', 'teams', 'clues', 'problems', 'reports', 'rect-tasks']
    const bad = []
    for (const login of ROLES) {
      const c = await apiAs(s, login)
      const page = await signIn(ctx, s, login)
      const look = async (where) => {
        await settle(page)
        for (const b of await scan(page, flagLabels)) bad.push(`${login} ${where}: ${b}`)
      }
      await look('/')
      const lists = await page.evaluate(() => [...document.querySelectorAll('.side-menu .el-menu-item')].map((e) => e.textContent.trim()))
      for (const label of lists) {
        await page.locator('.side-menu .el-menu-item', { hasText: label }).first().click()
        await look(new URL(page.url()).pathname)
      }
      for (const k of kinds) {
        try {
          await c.get(`/${k}/${recs[k]}`)
        } catch {
          continue
        }
        if (k === 'problems' && login === 'member1') {
          await page.goto(`${s.url}/r/${k}/${recs[k]}`)
          await page.locator('.files-panel .upload-input').setInputFiles({ name: '银行流水.pdf', mimeType: 'application/pdf', buffer: PDF }).catch(() => {})
        }
        await page.goto(`${s.url}/r/${k}/${recs[k]}`)
        await page.locator('.record-title').waitFor()
        await look(`/r/${k}`)
      }
      if (c && (await page.locator('.side-menu .el-menu-item', { hasText: '统计分析' }).count())) {
        await page.goto(`${s.url}/dashboard`)
        await look('/dashboard')
        const me = await c.get('/me')
        if (me.actions.includes('stats.read')) {
          const st = await c.get('/stats')
          for (const m of st.measures.filter((x) => x.kind !== 'dist' && x.value))
            if (login === 'office') {
              await page.goto(`${s.url}/stats/${m.name}`)
              await page.locator('.el-table__body tr').first().waitFor().catch(() => {})
              await look(`/stats/${m.name}`)
            }
        }
      }
      await page.context().close()
      ctx.pages.splice(ctx.pages.indexOf(page), 1)
    }
    expect(!bad.length, `界面上的英文标识或代码:\n${[...new Set(bad)].join('\n')}`)
  } finally {
    await s.stop()
  }
})
