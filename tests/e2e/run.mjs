// run.mjs — runs every tests/e2e/test_*.mjs in Chromium against a real server.
// Usage: node tests/e2e/run.mjs [test-name-substring]. Ends with the line
// "e2e: N passed, N failed" (tests/run.sh tallies it).
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runAll, closeBrowser } from './lib.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
for (const f of readdirSync(here).filter((n) => /^test_.*\.mjs$/.test(n)).sort())
  await import(pathToFileURL(path.join(here, f)).href)
let r = { passed: 0, failed: 1 }
try {
  r = await runAll('e2e')
} finally {
  await closeBrowser()
}
console.log(`e2e: ${r.passed} passed, ${r.failed} failed`)
process.exit(r.failed ? 1 : 0)
