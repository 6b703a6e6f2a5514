#!/usr/bin/env bash
# Sets up a fresh machine (Bun, dependencies), builds the executable, and runs every test.
# Extra arguments go to `bun test` (for example a path filter).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bun run build >&2
bun test --timeout 60000 "$@"
