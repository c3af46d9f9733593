#!/usr/bin/env bash
# Runs a slow command with a one-line spinner and elapsed time, keeping its
# output in target/logs/<name>.log; prints the log's tail if it fails.
# Without a terminal (CI) it prints one line before and after instead.
# Usage: scripts/progress.sh "what is happening" command [args...]
set -uo pipefail
label=$1; shift
mkdir -p target/logs
log="target/logs/$(echo "$label" | tr -c 'a-zA-Z0-9' '-' | tr -s '-').log"
start=$(date +%s)
"$@" >"$log" 2>&1 &
pid=$!
if [ -t 1 ]; then
  frames='⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'; i=0
  while kill -0 "$pid" 2>/dev/null; do
    printf '\r  %s %s (%ss)' "${frames:i++%${#frames}:1}" "$label" "$(( $(date +%s) - start ))"
    sleep 0.2
  done
  printf '\r\033[K'
else
  echo "  … $label"
fi
wait "$pid"; status=$?
if [ "$status" -eq 0 ]; then
  printf '  \033[32m✔\033[0m %s (%ss)\n' "$label" "$(( $(date +%s) - start ))"
else
  printf '  \033[31m✘\033[0m %s failed (exit %s); last lines of %s:\n' "$label" "$status" "$log"
  tail -n 30 "$log"
fi
exit "$status"
