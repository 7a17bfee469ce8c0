#!/usr/bin/env bash
# Print the directory that holds a bun Reflex can use, installing one into .tools/ when needed.
# Reflex downloads its own bun only from the internet and wants Node >= 22; where either is
# missing, bun from the npm registry (a real binary, shipped in a platform package) works.
set -euo pipefail
BUN_VERSION="${BUN_VERSION:-1.4.5}"
TOOLS_DIR="${TOOLS_DIR:-.tools}"
local_bin="$TOOLS_DIR/node_modules/.bin"

if [ -x "$local_bin/bun" ] && "$local_bin/bun" --version >/dev/null 2>&1; then
  echo "$(cd "$local_bin" && pwd)"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
echo "Installing bun $BUN_VERSION from the npm registry into $TOOLS_DIR/ ..." >&2
mkdir -p "$TOOLS_DIR"
npm install --prefix "$TOOLS_DIR" --no-save --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
"$local_bin/bun" --version >/dev/null
echo "$(cd "$local_bin" && pwd)"
