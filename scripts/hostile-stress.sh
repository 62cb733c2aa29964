#!/usr/bin/env bash
# Runs the hostile-program suite N times in a row (default 20) while two CPU burners keep the
# machine busy, and reports how many runs passed. A verdict that depends on the machine's speed
# shows up here as a failed run. Usage: scripts/hostile-stress.sh [N]   (exit 0 when all pass)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
burners=()
stop() { for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop EXIT
for _ in 1 2; do
  sh -c 'while :; do :; done' &
  burners+=($!)
done
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if out=$(node scripts/run-tests.mjs test/codeelo/judge/hostile 2>&1); then
    passed=$((passed + 1))
    echo "run $i: passed ($(( $(date +%s) - start )) s)"
  else
    echo "run $i: FAILED ($(( $(date +%s) - start )) s)"
    echo "$out" | grep -E '^not ok|error:|!==' | head -20
  fi
done
echo "hostile suite under two CPU burners: $passed of $runs runs passed"
[[ $passed -eq $runs ]]
