// screenshots.mjs — `make screenshots`: each demo role's home page at 1366×768
// (laptops) and 390×844 (phones) into docs/screenshots/<login>-<width>.png, over a
// fresh demo database with the records of the role walk (test_roles.mjs setUp)
// so the home pages show their pending work. Not a test (run.mjs loads test_*).
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Server, signIn, closeBrowser, root } from './lib.mjs'
import { setUp } from './test_roles.mjs'

const OUT = path.join(root, 'docs/screenshots')
const SIZES = [[1366, 768], [390, 844]]
mkdirSync(OUT, { recursive: true })
const s = await new Server().start()
const ctx = { pages: [] }
const written = []
try {
  await setUp(s)
  // one account per role (member2 is a second team member)
  const logins = Object.keys(s.accounts).filter((l) => l !== 'member2')
  for (const login of logins) {
    const page = await signIn(ctx, s, login)
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height })
      await page.goto(`${s.url}/`)
      await page.waitForLoadState('networkidle').catch(() => {})
      await page.waitForTimeout(400)
      const file = path.join(OUT, `${login}-${width}.png`)
      await page.screenshot({ path: file })
      written.push(path.relative(root, file))
    }
    if (page.problems.length) throw new Error(`${login}: ${page.problems.join(' | ')}`)
    await page.context().close()
  }
} finally {
  await s.stop()
  await closeBrowser()
}
console.log(`screenshots: ${written.length} files in docs/screenshots/`)
