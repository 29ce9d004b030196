#!/usr/bin/env bash
# bench/run.sh — `make bench`: installs wrk and nginx when missing (as root via
# apt-get, like scripts/deps.sh; otherwise prints the line), builds the release
# binary and runs bench/run.py (issue 15's measurements; see bench/README.md).
# Never fails on timing. Size: BENCH_PROBLEMS (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bench: 安装缺少的软件包: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bench: 缺少软件包, 请运行: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi
nice make -s -j"$(nproc)" build/release/xunji
exec python3 bench/run.py "$@"
