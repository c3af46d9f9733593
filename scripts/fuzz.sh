#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a while and prints executions per target.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default 60 s per target, all targets
#   scripts/fuzz.sh --smoke [TARGET...]     CI smoke: 5 s per target (FUZZ_SMOKE_SECONDS)
#
# libFuzzer via cargo-fuzz normally needs nightly; only stable Rust is available
# here, so the build runs with RUSTC_BOOTSTRAP=1, which lets stable rustc accept
# the -Z flags cargo-fuzz passes. The sanitizer defaults to none (FUZZ_SANITIZER=
# address to use ASan): the crate forbids unsafe code, and without ASan each
# target runs several times faster on this 2-core machine.
#
# Inputs: the committed seeds in fuzz/corpus/<target>/ (read-only) plus
# fuzz/corpus-work/<target>/ (new coverage, not committed). A crash, panic,
# OOM (> FUZZ_RSS_MB, default 2048) or timeout writes fuzz/artifacts/<target>/
# and makes the script exit non-zero. Reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

seconds=60
if [ "${1:-}" = "--smoke" ]; then
  seconds=${FUZZ_SMOKE_SECONDS:-5}
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
sanitizer=${FUZZ_SANITIZER:-none}
rss_mb=${FUZZ_RSS_MB:-2048}

if ! cargo fuzz --version >/dev/null 2>&1; then
  scripts/progress.sh "installing cargo-fuzz (about 3 minutes, once)" cargo install cargo-fuzz --version 0.13.2
fi

cd fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

# -a: debug assertions (integer overflow checks) in the fuzzed build.
echo "building ${#targets[@]} fuzz targets (sanitizer: $sanitizer)"
mkdir -p target
if ! cargo fuzz build -a -s "$sanitizer" >target/fuzz-build.log 2>&1; then
  tail -30 target/fuzz-build.log >&2
  exit 1
fi

declare -A execs status
failed=0
for target in "${targets[@]}"; do
  # Loading an encrypted private key may legitimately cost seconds
  # (PBKDF2 up to 10^7 iterations, scrypt up to 64 MiB): allow it.
  timeout=10
  [ "$target" = private_key_pem ] && timeout=60
  mkdir -p "corpus-work/$target" "artifacts/$target" "corpus/$target"
  log="target/fuzz-$target.log"
  echo "fuzzing $target for ${seconds}s"
  if cargo fuzz run -a -s "$sanitizer" "$target" "corpus-work/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
      -print_final_stats=1 -artifact_prefix="artifacts/$target/" >"$log" 2>&1; then
    status[$target]=ok
  else
    status[$target]=FAILED
    failed=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -10 >&2 || true
  fi
  execs[$target]=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
done

printf '\n%-22s %14s %10s  %s\n' target executions exec/s result
for target in "${targets[@]}"; do
  n=${execs[$target]:-0}
  printf '%-22s %14s %10s  %s\n' "$target" "$n" "$(( ${n:-0} / seconds ))" "${status[$target]}"
done
if [ "$failed" != 0 ]; then
  echo "fuzzing found a problem: see fuzz/artifacts/ and fuzz/target/fuzz-<target>.log" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
