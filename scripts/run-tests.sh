#!/usr/bin/env bash
# Runs every test suite, prints each one's output, then a per-runtime table
# and a final "N passed, N failed" line. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
logs=target/test-logs
mkdir -p "$logs"

names=() passed=() failed=() statuses=()

# cargo test / wasm-bindgen-test: sum "test result: ... N passed; M failed"
count_rust() { awk '/test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$1"; }
# node --test: "# pass N" / "# fail N" (or ℹ pass N with the spec reporter)
count_node() { awk '/^(# |ℹ )pass / { p += $3 } /^(# |ℹ )fail / { f += $3 } END { print p + 0, f + 0 }' "$1"; }

# a plain closing line "[word:] N passed, N failed"
count_plain() { awk '/[0-9]+ passed, [0-9]+ failed/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p = $i; if ($(i+1) ~ /^failed/) f = $i } } END { print p + 0, f + 0 }' "$1"; }
# the demo: its closing line "N of 7 steps passed"
count_demo() { awk '/steps passed/ { for (i = 1; i <= NF; i++) if ($i == "of") p = $(i-1) } END { print p + 0, (p == 7 ? 0 : 1) }' "$1"; }

run() { # name counter command...
  local name=$1 counter=$2; shift 2
  local log="$logs/${name// /-}.log"
  printf '\n\033[1m== %s\033[0m  (%s)\n' "$name" "$*"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  read -r p f < <($counter "$log")
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash counts as a failure
  if [ "$status" -eq 0 ] && [ "$p" -eq 0 ]; then f=1; echo "  ran no test"; fi
  names+=("$name"); passed+=("$p"); failed+=("$f"); statuses+=("$status")
}

# wrangler 4 and miniflare 4 need Node >= 22.12: the Workers, Package and
# Examples suites run on it (this Node when new enough, else node24 from the
# runtime matrix's devDependencies), so they spawn wrangler on it too.
if wrangler_node=$(scripts/wrangler-node.sh); then
  with_wrangler_node() { PATH="$wrangler_node:$PATH" "$@"; }
else
  with_wrangler_node() { echo "no Node >= 22.12 for wrangler 4 and miniflare 4"; return 1; }
fi

run "Rust (native)" count_rust cargo test --color never
run "Lint (rustfmt, clippy, Biome, tsc)" count_plain scripts/lint.sh
run "Fuzz smoke (cargo-fuzz)" count_plain scripts/fuzz.sh --smoke
run "wasm in Node" count_rust wasm-pack test --node -- --test wasm_node
run "wasm in Chromium" count_rust wasm-pack test --headless --chrome -- --test wasm_browser
run "Node (packed tarball)" count_node node --test --test-reporter=tap tests/js/
run "Portable (6 runtimes)" count_plain node tests/portable/run.mjs
# one row per runtime, from the suite's own table (when it printed one whose rows add up)
split_portable() {
  local log="$logs/Portable-(6-runtimes).log" last=$((${#names[@]} - 1)) rows sum_p=0 sum_f=0
  rows=$(awk '/^runtime +version +passed +failed$/ { table = 1; next } table && NF >= 5 && $(NF-1) ~ /^[0-9]+$/ && $NF ~ /^[0-9]+$/ { print $1, $(NF-1), $NF } table && NF == 0 { table = 0 }' "$log")
  [ -n "$rows" ] || return 0
  while read -r rt p f; do sum_p=$((sum_p + p)); sum_f=$((sum_f + f)); done <<< "$rows"
  [ "$sum_p" -eq "${passed[$last]}" ] && [ "$sum_f" -eq "${failed[$last]}" ] || return 0
  unset "names[$last]" "passed[$last]" "failed[$last]" "statuses[$last]"
  while read -r rt p f; do names+=("Portable: $rt"); passed+=("$p"); failed+=("$f"); statuses+=(0); done <<< "$rows"
}
split_portable
run "Types (tsc)" count_node node --test --test-reporter=tap tests/types/
run "Emulator" count_node node --test --test-reporter=tap tests/emulator/
run "Emulator types (tsc)" count_plain bash -c 'tsc -p pkg/emulator && echo "tsc: 1 passed, 0 failed"'   # checkJs over the emulator; server.d.mts against server.mjs
run "Demo (make demo)" count_demo node scripts/demo.mjs
run "Workers (workerd)" count_node with_wrangler_node node --test --test-reporter=tap 'tests/workers/**/*.test.mjs'
run "Package (publint, attw, smoke)" count_node with_wrangler_node node --test --test-reporter=tap 'tests/package/**/*.test.mjs'
run "Examples" count_node with_wrangler_node node --test --test-reporter=tap 'tests/examples/**/*.test.mjs'
run "Browser (Chromium)" count_node node --test --test-reporter=tap tests/browser/
run "Playground (Chromium)" count_node node --test --test-reporter=tap tests/playground/

total_p=0 total_f=0
printf '\n\033[1m%-32s %8s %8s\033[0m\n' "suite" "passed" "failed"
for i in "${!names[@]}"; do
  printf '%-32s %8d %8d\n' "${names[$i]}" "${passed[$i]}" "${failed[$i]}"
  total_p=$((total_p + passed[i])); total_f=$((total_f + failed[i]))
done
echo
echo "${total_p} passed, ${total_f} failed"
[ "$total_f" -eq 0 ]
