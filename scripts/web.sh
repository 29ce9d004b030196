#!/usr/bin/env bash
# web.sh — builds the browser UI into web/dist with `npm ci && npm run build`.
# Prints one line and exits 0 when node/npm are missing or Node is older than
# 20.19 (Vite 7's minimum): the server runs without the UI. Set WEB_FORCE=1 to
# rebuild even when web/dist is newer than every source file.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "web: 未找到 node/npm, 跳过浏览器界面构建"
  exit 0
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "web: Node $(node -v) 低于 20.19, 跳过浏览器界面构建"
  exit 0
fi
if [ -z "${WEB_FORCE:-}" ] && [ -f dist/index.html ] && [ -d node_modules ] &&
   [ -z "$(find src index.html vite.config.js package-lock.json -newer dist/index.html -print -quit)" ]; then
  echo "web: web/dist 已是最新"
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
echo "web: 已构建 web/dist"
