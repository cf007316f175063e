#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser test (test/server/dashboard.test.ts drives it headless
# through playwright-core). Idempotent: does nothing when a chromium is already on PATH or named by CWS_CHROMIUM.
set -euo pipefail

if [ -n "${CWS_CHROMIUM:-}" ] && [ -x "${CWS_CHROMIUM}" ]; then
  echo "==> chromium: using CWS_CHROMIUM=${CWS_CHROMIUM}" >&2
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  echo "==> chromium already installed: $(command -v chromium)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "==> chromium: not found and no apt-get here; install chromium and set CWS_CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "==> chromium (apt-get install chromium)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "==> chromium installed: $(command -v chromium)" >&2
