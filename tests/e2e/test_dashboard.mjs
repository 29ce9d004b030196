// test_dashboard.mjs — the dashboard leads with the headline figures of the
// selected scope (round, year), money in 万元, the other figures, charts and
// downloads after it; the year picker narrows the figures (stats from/to).
import { test, Server, signIn, expect } from './lib.mjs'
import { setUp } from './test_roles.mjs'

test('dashboard_headline_figures_money_in_wan_year', async (ctx) => {
  const s = await new Server().start()
  try {
    await setUp(s) // one problem of 386,000.00 元
    const page = await signIn(ctx, s, 'office')
    await page.goto(`${s.url}/dashboard`)
    const head = page.locator('.card.headline')
    await head.locator('.kpi[data-measure=problems_found]').waitFor()
    // the headline comes first, before the other figures, the charts and the downloads
    const order = await page.evaluate(() => [...document.querySelectorAll('.card')].map((c) => c.classList.contains('headline') ? 'h' : c.classList.contains('figures') ? 'f' : c.classList.contains('summary-downloads') ? 'd' : 'c'))
    expect(order[0] === 'h' && order.indexOf('f') > 0 && order.indexOf('d') > order.indexOf('f'), `order: ${order}`)
    const n = await head.locator('.kpi').count()
    expect(n >= 4 && n <= 8, `a few headline figures: ${n}`)
    expect((await head.locator('h3').innerText()).includes('全部轮次'), 'scope title')
    const money = (await head.locator('.kpi[data-measure=problems_amount] .kpi-value').innerText()).trim()
    expect(money === '38.6 万元', `money in 万元: ${money}`)
    expect((await page.locator('.figures .kpi[data-measure=problems_found]').count()) === 0, 'a headline figure is not repeated')
    // the year: this year counts the problem, five years ago does not
    const y = new Date().getFullYear()
    await page.locator('.year-select .el-select__wrapper').click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: `${y - 5}年` }).click()
    await head.locator('h3', { hasText: `${y - 5}年` }).waitFor()
    await page.waitForFunction(() => document.querySelector('.headline .kpi[data-measure=problems_found] .kpi-value')?.textContent.trim().split(' ')[0] === '0')
    await page.locator('.year-select .el-select__wrapper').click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: `${y}年` }).click()
    await page.waitForFunction(() => document.querySelector('.headline .kpi[data-measure=problems_found] .kpi-value')?.textContent.trim().split(' ')[0] === '1')
  } finally {
    await s.stop()
  }
})
