// test_forms.mjs — forms and concurrency: the server's 400 shown next to the
// field it names, a stale edit (409, If-Match) offered a reload that shows the
// other person's change, a petition logged and triaged into a clue by the
// leader (buttons from allowed_actions), and the dashboard's bars opening the
// records behind them.
import { test, Server, signIn, choose, fillField, expect, apiAs } from './lib.mjs'

const dlg = (page) => page.locator('.el-dialog:visible')
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
const inDays = (n) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + n * 86400000))

test('field_error_and_stale_edit_offer_reload', async (ctx) => {
  const s = await new Server().start()
  try {
    const a = await signIn(ctx, s, 'member1')
    await a.goto(`${s.url}/r/clues`)
    await a.locator('.create').click()
    await choose(a, '被巡察单位', '人民防空')
    await fillField(a, '线索标题', '扶贫资金拨付滞后问题')
    await fillField(a, '被反映人', '李某')
    await choose(a, '来源', '个别谈话')
    await fillField(a, '发现日期', inDays(3))
    await fillField(a, '反映的主要问题', '反映扶贫资金拨付滞后。')
    await dlg(a).locator('.submit').click()
    const dateItem = dlg(a).locator('.el-form-item').filter({ has: a.locator('label:text-is("发现日期")') })
    const err = dateItem.locator('.el-form-item__error')
    await err.waitFor()
    expect((await err.textContent()).includes('发现日期'), `the server's message names the field: ${await err.textContent()}`)
    await fillField(a, '发现日期', today())
    await dlg(a).locator('.submit').click()
    await a.locator('.state-tag', { hasText: '草稿' }).waitFor()
    const url = a.url()

    // the same clue edited in another session meanwhile
    const b = await signIn(ctx, s, 'member1')
    await b.goto(url)
    await b.locator('.edit').click()
    await fillField(b, '线索标题', '扶贫资金拨付滞后问题 (补充)')
    await dlg(b).locator('.submit').click()
    await b.locator('.record-title', { hasText: '(补充)' }).waitFor()

    // the first page still holds version 1: its edit is refused and a reload offered
    await a.locator('.edit').click()
    await fillField(a, '被反映人', '李某某')
    await dlg(a).locator('.submit').click()
    const box = a.locator('.el-message-box', { hasText: '已被他人修改' })
    await box.waitFor()
    await box.locator('button', { hasText: '重新加载' }).click()
    await a.locator('.record-title', { hasText: '(补充)' }).waitFor()
    await a.locator('.el-descriptions', { hasText: '李某' }).waitFor()
  } finally {
    await s.stop()
  }
})

test('petition_triaged_into_clue_and_dashboard_drilldown', async (ctx) => {
  const s = await new Server().start()
  try {
    const m = await signIn(ctx, s, 'member1')
    await m.goto(`${s.url}/r/petitions`)
    await m.locator('.create').click()
    await choose(m, '被巡察单位', '人民防空')
    await choose(m, '渠道', '码上巡')
    await fillField(m, '收到日期', today())
    await fillField(m, '内容摘要', '群众反映人防办违规收取易地建设费')
    await fillField(m, '信访人姓名', '张三')
    await dlg(m).locator('.submit').click()
    await m.locator('.state-tag', { hasText: '待分办' }).or(m.locator('.state-tag')).first().waitFor()
    const url = m.url()
    expect((await m.locator('.record-actions button[data-verb]').count()) === 0, 'a member does not triage')

    // the leader may open the sealed identity, once a second person approved (举报人保护, test_reveal.mjs)
    const pid = url.split('/').pop()
    const q = await (await apiAs(s, 'leader1')).post(`/petitions/${pid}/reveal-requests`, { reason: '须当面回访核实' })
    await (await apiAs(s, 'lg')).post(`/reveal-requests/${q.id}/approve`, {})
    const leader = await signIn(ctx, s, 'leader1')
    await leader.goto(url)
    await leader.locator('.card', { hasText: '张三' }).waitFor()
    const verbs = await leader.locator('.record-actions button[data-verb]').evaluateAll((bs) => bs.map((x) => x.dataset.verb))
    expect(JSON.stringify(verbs) === '["to_clue","transfer","close"]', `leader's buttons: ${verbs}`)
    await leader.locator('.record-actions button[data-verb=to_clue]').click()
    await fillField(leader, '线索标题', '违规收取易地建设费问题')
    await fillField(leader, '被反映人', '赵某')
    await dlg(leader).locator('.submit').click()
    await leader.locator('.el-descriptions a', { hasText: '查看线索' }).click()
    await leader.locator('.record-title', { hasText: '违规收取易地建设费问题' }).waitFor()

    // the office's dashboard counts it; clicking the 草稿 bar lists it
    const office = await signIn(ctx, s, 'office')
    await office.click('.side-menu >> text=统计分析')
    const chart = office.locator('[data-chart=clues] canvas')
    await chart.waitFor()
    // the summary report of the same filters downloads as a PDF and an .xlsx
    const got = await office.evaluate(async () => {
      const out = {}
      for (const a of document.querySelectorAll('a[data-summary]')) {
        const r = await fetch(a.href)
        out[a.dataset.summary] = { status: r.status, type: r.headers.get('content-type'), head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4)) }
      }
      return out
    })
    expect(got.pdf?.status === 200 && got.pdf.head === '%PDF' && got.xlsx?.status === 200 && got.xlsx.head.startsWith('PK'), `summary downloads: ${JSON.stringify(got)}`)
    await chart.scrollIntoViewIfNeeded()
    await office.waitForTimeout(800) // the bars' entry animation
    const box = await chart.boundingBox()
    // six states on the x axis; the first bar (草稿, 1 clue) is the only one with a height
    await office.mouse.click(box.x + 40 + (box.width - 56) / 12, box.y + box.height - 70)
    await office.waitForURL('**/r/clues?**state=draft**')
    await office.locator('a.cell-link', { hasText: '违规收取易地建设费问题' }).waitFor()
  } finally {
    await s.stop()
  }
})

// issue 14 item 5: the form's labels and vocabularies are the server's
// declarations (GET /api/v1/meta), not a copy kept in web/.
test('form_labels_and_vocabularies_come_from_meta', async (ctx) => {
  const s = await new Server().start()
  try {
    const api = await apiAs(s, 'office')
    const round = (await api.get('/meta')).kinds.round
    const f = (name) => round.fields.find((x) => x.name === name)
    const p = await signIn(ctx, s, 'office')
    await p.goto(`${s.url}/r/rounds`)
    await p.locator('.create').click()
    for (const name of ['name', 'term', 'theme', 'campaign', 'planned_start', 'planned_end', 'kind']) {
      const label = f(name).label
      expect(await dlg(p).locator(`label:text-is("${label}")`).count() === 1, `the form shows the declared label ${label} of ${name}`)
    }
    // the kind select offers exactly the declared vocabulary, with its labels
    await dlg(p).locator('.el-form-item').filter({ has: p.locator(`label:text-is("${f('kind').label}")`) }).locator('.el-select__wrapper').click()
    const items = p.locator('.el-select-dropdown:visible .el-select-dropdown__item')
    await items.first().waitFor()
    const shown = (await items.allTextContents()).map((t) => t.trim())
    const declared = f('kind').values.map((v) => v.label)
    expect(JSON.stringify(shown) === JSON.stringify(declared), `options ${shown} = declared ${declared}`)
  } finally {
    await s.stop()
  }
})
