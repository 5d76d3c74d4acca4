#!/usr/bin/env bash
# Make sure Debian's headless-capable Chromium and its WebDriver are installed (the capacity
# report's browser test renders report.html in them; it fails rather than skips when CI=true).
# 1. both on PATH -> done; 2. otherwise apt-get install chromium chromium-driver, and only if
# that fails (stale package lists on a fresh machine) apt-get update and try once more.
set -euo pipefail

have() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

if have; then
  echo "chromium: already installed ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
}
echo "chromium: installing from Debian packages (chromium chromium-driver)"
if ! install; then
  echo "chromium: install failed; refreshing package lists and retrying"
  $SUDO apt-get update -qq
  install
fi
have || { echo "chromium: chromium or chromedriver still missing after install" >&2; exit 1; }
echo "chromium: installed ($(chromium --version 2>/dev/null || echo 'version unknown'))"
