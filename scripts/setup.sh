#!/usr/bin/env bash
# Sets Patrol up on a fresh Debian machine: system packages, npm packages, build.
# Usage: scripts/setup.sh [runtime|test]   (test also installs the servers the test suite starts)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"

if ! command -v node >/dev/null 2>&1; then
  echo "Patrol needs Node.js >= 20.19: apt-get install -y nodejs npm (or from nodejs.org)" >&2
  exit 2
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`Patrol needs Node.js >= 20.19 (found ${process.versions.node})`); process.exit(2) }'

bash scripts/install-system-deps.sh "$profile"

# npm ci only when node_modules is missing or older than the lock file (fast re-runs).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (npm ci)…"
  node scripts/prune-lock-optionals.mjs
  npm ci --no-audit --no-fund --loglevel=error
fi
# better-sqlite3 is a native addon built from source here (no prebuilt download offline).
if ! node -e "new (require('better-sqlite3'))(':memory:')" >/dev/null 2>&1; then
  echo "building better-sqlite3…"
  npm rebuild better-sqlite3 --loglevel=error
fi
npm run build --silent
echo "setup done ($profile)"
