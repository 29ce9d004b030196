// test_deadlines.mjs — deadlines in colour (deadline.js): rectification tasks
// carry the server's warning (more than 20 days green, 20 and 10 days amber,
// overdue red) on the unit's home page, the task list and the task's page;
// a supervision notice's reply deadline (the server's too) turns red once the
// day has passed on the server's test clock; a handed-over clue shows its
// registration deadline (working days) on 案管室's home page.
import { test, Server, signIn, expect, apiAs } from './lib.mjs'
import { setUp } from './test_roles.mjs'

// dates in Shanghai (UTC+8), as the server counts days
const inDays = (n) => new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10)

async function levels(scope) {
  await scope.locator('.deadline-tag').first().waitFor()
  return scope.locator('.deadline-tag').evaluateAll((els) => els.map((e) => `${e.dataset.level}:${[...e.classList].find((c) => /^el-tag--(success|warning|danger)$/.test(c))}:${e.textContent.trim()}`))
}

test('deadlines_in_colour_on_home_list_and_record', async (ctx) => {
  const s = await new Server().start()
  try {
    const recs = await setUp(s) // one task due in 40 days
    const unit = await apiAs(s, 'unit1')
    const base = { problem_id: recs.problems, owner_name: '王某', owner_post: '财务科长', leader_name: '李副主任', long_term: false }
    const t15 = await unit.post('/rect-tasks', { ...base, measure: '完善财务制度', deadline: inDays(15) })
    await unit.post('/rect-tasks', { ...base, measure: '开展警示教育', deadline: inDays(5) })
    const office = await apiAs(s, 'office')
    await office.post('/notices', { task_id: t15.id, level: 'reminder', reason: '整改进度滞后', due_date: inDays(3) })

    const page = await signIn(ctx, s, 'unit1')
    const home = page.locator('.home-section[data-section="本单位整改任务"]')
    await home.waitFor()
    const h = await levels(home)
    for (const want of ['ok:el-tag--success:剩余 40 天', '20d:el-tag--warning:剩余 15 天', '10d:el-tag--warning:剩余 5 天'])
      expect(h.some((x) => x.startsWith(want.split(':').slice(0, 2).join(':')) && x.endsWith(want.split(':')[2])), `home ${want}: ${h}`)
    await page.goto(`${s.url}/r/rect-tasks`)
    const l = await levels(page.locator('.records'))
    expect(l.length >= 3 && l.some((x) => x.startsWith('10d:')) && l.some((x) => x.startsWith('ok:')), `list: ${l}`)
    await page.goto(`${s.url}/r/rect-tasks/${t15.id}`)
    const r = await levels(page.locator('.page-head'))
    expect(r.length === 1 && r[0].startsWith('20d:el-tag--warning'), `record: ${r}`)

    // the notice: due in 3 days (amber), then seen 5 days later (red, overdue by 2)
    const o = await signIn(ctx, s, 'office')
    await o.goto(`${s.url}/r/notices`)
    const n = await levels(o.locator('.records'))
    expect(n.length === 1 && n[0] === '10d:el-tag--warning:剩余 3 天', `notice: ${n}`)
    // setUp's handed-over clue: registration due within 5 working days, on the home page
    const cm = await signIn(ctx, s, 'casemgmt')
    const reg = await levels(cm.locator('.home-section[data-section="待登记的问题线索"]'))
    expect(reg.length === 1 && /^10d:el-tag--warning:登记 剩余 \d+ 天$/.test(reg[0]), `clue: ${reg}`)

    // five days later on the server's clock: the notice is overdue by 2
    await s.shiftClock(5)
    const o2 = await signIn(ctx, s, 'office')
    await o2.goto(`${s.url}/r/notices`)
    const late = await levels(o2.locator('.records'))
    expect(late.length === 1 && late[0] === 'overdue:el-tag--danger:逾期 2 天', `overdue notice: ${late}`)
  } finally {
    await s.stop()
  }
})
