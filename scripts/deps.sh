#!/usr/bin/env bash
# deps.sh — installs the Debian packages xunji needs to build, run and test.
# Idempotent: installs only what is missing. As root it runs apt-get; as
# another user it prints the one apt-get line to run and fails.
set -euo pipefail
# reports (issue 6): libxlsxwriter for ledgers, minizip + expat to read .xlsx back in,
# cairo + pango with a CJK font for the PDF letters, poppler-utils (pdftotext) for the tests.
pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev
      sqlite3 python3 libxlsxwriter-dev libminizip-dev libexpat1-dev libcairo2-dev
      libpango1.0-dev fonts-wqy-zenhei poppler-utils)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: 安装缺少的软件包: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: 缺少软件包, 请运行: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
