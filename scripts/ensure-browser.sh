#!/usr/bin/env bash
# Make a Chromium available for the browser tests and print its path ("" = Playwright's own).
set -euo pipefail
for candidate in "${TRAINPKG_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium with apt-get ..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  echo /usr/bin/chromium
  exit 0
fi
echo "Installing Playwright's Chromium ..." >&2
"${VENV:-.venv}/bin/playwright" install chromium >&2
echo ""
