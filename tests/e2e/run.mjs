// run.mjs — runs the tests/e2e/test_*.mjs in Chromium against a real server.
// Usage: node tests/e2e/run.mjs [test-name-substring]. Ends with the line
// "e2e: N passed, N failed" (tests/run.sh tallies it).
// XUNJI_E2E_TIER=check runs all but the LONG files (the main stories, for
// `make check` under its 8 minutes); =long only the LONG files (`make
// check-long`); unset: every file.
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runAll, closeBrowser } from './lib.mjs'

// walks of every role's every page and the compatibility/screen-size runs:
// minutes each, and they guard wording and layout rather than a story
const LONG = new Set(['test_words.mjs', 'test_compat.mjs', 'test_screens.mjs'])
const tier = process.env.XUNJI_E2E_TIER || ''
const here = path.dirname(fileURLToPath(import.meta.url))
for (const f of readdirSync(here).filter((n) => /^test_.*\.mjs$/.test(n)).sort()
  .filter((n) => tier === 'check' ? !LONG.has(n) : tier === 'long' ? LONG.has(n) : true))
  await import(pathToFileURL(path.join(here, f)).href)
let r = { passed: 0, failed: 1 }
try {
  r = await runAll('e2e')
} finally {
  await closeBrowser()
}
console.log(`e2e: ${r.passed} passed, ${r.failed} failed`)
process.exit(r.failed ? 1 : 0)
