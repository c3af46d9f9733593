#!/usr/bin/env bash
# rustfmt and clippy (warnings are errors) for every build of the crate:
# native with its tests, and both WebAssembly modules (the whole package and
# the verifier alone). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
passed=0 failed=0
check() { # name command...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
# The repository is self-contained: no build or test step reads outside the
# checkout (../shared is reference material that users do not have).
self_contained() { ! git grep -nE '\.\./(\.\./)*shared/' -- . ':!*.md' ':!scripts/lint.sh'; }
check "self-contained (nothing reads ../shared)" self_contained
check "cargo fmt --check" cargo fmt --check
check "clippy, native, all targets" cargo clippy --quiet --all-targets -- -D warnings
check "clippy, wasm32, whole package" cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
check "clippy, wasm32, verifier alone" cargo clippy --quiet --lib --target wasm32-unknown-unknown --no-default-features --target-dir target/verifier -- -D warnings
echo "lint: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
