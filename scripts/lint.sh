#!/usr/bin/env bash
# The lint of the whole repository. Rust: rustfmt and clippy (warnings are
# errors) for every build of the crate: native with its tests, and both
# WebAssembly modules (the whole package and the verifier alone). JavaScript:
# Biome (lint and format, biome.json) and tsc --checkJs (each folder's
# tsconfig.json). Ends with "N passed, N failed".
#
#   scripts/lint.sh        everything (make lint)
#   scripts/lint.sh js     the JavaScript checks only (make lint-js; seconds)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
only=${1:-all}
passed=0 failed=0
check() { # name command...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
# The repository is self-contained: no build or test step reads outside the
# checkout (../shared is reference material that users do not have).
self_contained() { ! git grep -nE '\.\./(\.\./)*shared/' -- . ':!*.md' ':!scripts/lint.sh'; }
check "self-contained (nothing reads ../shared)" self_contained
# Node 20 can deadlock when a GC during the export or use of a KeyObject that
# came straight out of generateKeyPairSync finalises its generation job: every
# call asks for encoded keys (newPrivateKey in pkg/emulator/signing.mjs and
# tests/js/support/upvest-signer.mjs re-imports them). The fixtures' generator
# is run by hand and writes keys the way Node users do.
encoded_keygen() {
  ! git grep -n -A4 'generateKeyPairSync(' -- '*.js' '*.mjs' ':!tests/fixtures/keys/generate-node.mjs' |
    awk '/^[^:]+:[0-9]+: *[^ *\/]/ && /generateKeyPairSync\(/ && !/:[0-9]+: *import / { if (open) print open; open = $0 } /privateKeyEncoding/ { open = "" } /^--$/ { if (open) print open; open = "" } END { if (open) print open }' | grep .
}
check "generateKeyPairSync asks for encoded keys (Node 20 deadlock)" encoded_keygen
if [ "$only" != js ]; then
  check "cargo fmt --check" cargo fmt --check
  check "clippy, native, all targets" cargo clippy --quiet --all-targets -- -D warnings
  check "clippy, wasm32, whole package" cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
  check "clippy, wasm32, verifier alone" cargo clippy --quiet --lib --target wasm32-unknown-unknown --no-default-features --target-dir target/verifier -- -D warnings
fi
# Biome: the files biome.json includes (pkg, www, scripts, bench, tests,
# examples; not generated files). `biome check --write` applies its fixes.
check "biome (lint, format)" biome ci --colors=off --error-on-warnings --reporter=summary
check "tsc --checkJs, playground (www/)" tsc -p www
check "tsc --checkJs, scripts (scripts/)" tsc -p scripts
echo "lint: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
