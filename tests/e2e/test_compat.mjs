// test_compat.mjs — the UI on older Chromium engines (90+, web/README.md
// "Browsers"): the build targets chrome90, and with Array.prototype.at and
// String.prototype.at removed (absent before Chromium 92) a role walks its
// home page, a list, a record page and the dashboard without a page error.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test, Server, signIn, expect, root } from './lib.mjs'
import { setUp } from './test_roles.mjs'

test('compat_chromium90_target_and_runtime', async (ctx) => {
  const cfg = readFileSync(path.join(root, 'web/vite.config.js'), 'utf8')
  expect(/target:\s*\[\s*'chrome90'\s*\]/.test(cfg), 'vite build.target chrome90')
  const s = await new Server().start()
  try {
    const recs = await setUp(s)
    const page = await signIn(ctx, s, 'office')
    await page.context().addInitScript(() => {
      delete Array.prototype.at
      delete String.prototype.at
    })
    await page.goto(`${s.url}/`)
    await page.locator('.home-section').first().waitFor()
    expect(await page.evaluate(() => typeof [].at === 'function'), 'compat.js adds Array.prototype.at')
    for (const p of ['/r/problems', `/r/problems/${recs.problems}`, '/dashboard', '/r/targets']) {
      await page.goto(`${s.url}${p}`)
      await page.waitForLoadState('networkidle').catch(() => {})
    }
    await page.locator('.kpi').first().waitFor().catch(() => {})
    // a cascader/tree path of Element Plus that calls .at(-1)
    expect(!page.problems.length, `page errors: ${page.problems.join(' | ')}`)
  } finally {
    await s.stop()
  }
})
