#!/usr/bin/env bash
# The main job on the embedded defaults: sets Patrol up (system and npm packages, build), then
# inspects this machine through Ansible and writes the result. Re-running it is fast and shows
# what changed since the previous run.
#   bash scripts/run-main-job.sh            (PATROL_HOME defaults to ~/.patrol)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
export PATROL_HOME="${PATROL_HOME:-$HOME/.patrol}"
mkdir -p "$PATROL_HOME/reports"
result="$PATROL_HOME/reports/local-host-latest.json"
# --fail-on never: the job reports problems in the result; it does not fail on them.
node bin/patrol.js inspect host --inventory examples/localhost.ini --fail-on never --json > "$result.tmp"
mv "$result.tmp" "$result"
run_id="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).run)' "$result")"
# The HTML report (self-contained, the one emailed every morning) and a Markdown summary here.
node bin/patrol.js report "$run_id" --format html --output "$PATROL_HOME/reports/local-host-latest.html"
node bin/patrol.js report "$run_id" --format md --max-items 10
echo
echo "result: $result"
echo "report: $PATROL_HOME/reports/local-host-latest.html"
echo "runs:   node bin/patrol.js runs list"
