#!/usr/bin/env bash
# deps.sh — installs the Debian packages xunji needs to build, run and test.
# Idempotent: installs only what is missing. As root it runs apt-get; as
# another user it prints the one apt-get line to run and fails.
set -euo pipefail
# two factors (issue 18): libqrencode for the enrolment QR code.
# reports (issue 6): libxlsxwriter for ledgers, minizip + expat to read .xlsx back in,
# cairo + pango with a CJK font for the PDF letters, poppler-utils (pdftotext) for the tests.
pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev
      sqlite3 python3 libxlsxwriter-dev libminizip-dev libexpat1-dev libcairo2-dev
      libpango1.0-dev fonts-wqy-zenhei poppler-utils libqrencode-dev
      libpq-dev postgresql)
# PostgreSQL (issue 16): libpq to build; the server (initdb, pg_ctl) for the tests
# that start a throwaway cluster (tests/api/pg.py).
# The browser UI's end-to-end tests drive Debian's Chromium: CI (CI=true) or
# XUNJI_E2E=1 installs it and runs `npm ci` in web/ (the UI build and
# playwright-core) when Node >= 20.19 and npm are there; without them the
# UI build and the e2e tests are skipped with one line.
if [ -n "${CI:-}" ] || [ -n "${XUNJI_E2E:-}" ]; then pkgs+=(chromium); fi
# `scripts/deps.sh fuzz` (scripts/fuzz.sh: make fuzz, fuzz-replay in the check tier): Debian's
# clang with libFuzzer and the sanitizer runtimes; llvm-14 for llvm-symbolizer, llvm-cov, llvm-profdata.
if [ "${1:-}" = fuzz ]; then pkgs+=(clang libclang-rt-14-dev llvm-14); fi
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
web_deps() { # npm ci in web/ (the UI build and playwright-core), when Node fits
  if [ -n "${CI:-}${XUNJI_E2E:-}" ] && command -v npm >/dev/null 2>&1 &&
     node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null &&
     { [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; }; then
    echo "deps: npm ci (web/)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  return 0
}
cd "$(dirname "$0")/.."
[ ${#missing[@]} -eq 0 ] && { web_deps; exit 0; }
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: 安装缺少的软件包: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  web_deps
else
  echo "deps: 缺少软件包, 请运行: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
