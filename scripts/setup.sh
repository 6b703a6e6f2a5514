#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: Bun (pinned, from npm) and the locked
# dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

BUN_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"

if ! command -v bun >/dev/null 2>&1 || [ "$(bun --version)" != "$BUN_VERSION" ]; then
  echo "setup: installing bun $BUN_VERSION with npm" >&2
  npm install -g "bun@$BUN_VERSION" >&2
fi

bun install --frozen-lockfile >&2
