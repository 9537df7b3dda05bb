#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, builds, type-checks, then runs unit
# tests (in parallel) and integration tests against real Ansible, sshd, PostgreSQL, MariaDB, Redis,
# SMTP, Alertmanager and Chromium (serially: they share two cores and network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
npm run typecheck --silent
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
npx jest --selectProjects unit "$@"
npx jest --selectProjects integration --runInBand "$@"
