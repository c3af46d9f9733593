#!/usr/bin/env bash
# Builds the npm package's generated files into pkg/dist (git-ignored):
#   pkg/dist/wasm      the whole package (verifier + API client + test signer),
#                      opt-level 3: the fastest, for Node and admin pages;
#   pkg/dist/verifier  `upvest-webhooks/verifier`: the verifier alone
#                      (cargo --no-default-features), opt-level "z": the
#                      smallest, for Workers and browsers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# wasm_bindgen <input .wasm> <out dir> <out name> <wasm-opt options...>
wasm_bindgen() {
  local input=$1 dir=$2 name=$3
  shift 3
  rm -rf "$dir"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" --out-name "$name" "$input"
  # Debian's wasm-opt (v108) corrupts current wasm-bindgen output; use npm's binaryen.
  node_modules/.bin/wasm-opt "$@" "$dir/${name}_bg.wasm" -o "$dir/${name}_bg.wasm"
  printf '  %s: %s bytes wasm, %s gzipped\n' "$dir" "$(wc -c < "$dir/${name}_bg.wasm")" "$(gzip -9c "$dir/${name}_bg.wasm" | wc -c)"
}

cargo build --quiet --release --lib --target wasm32-unknown-unknown
wasm_bindgen target/wasm32-unknown-unknown/release/upvest_webhooks.wasm pkg/dist/wasm upvest_webhooks -O3

# Its own target dir, so the two feature sets do not rebuild each other.
# Opt-level "z", but the crates of the warm path's arithmetic are built at 3
# (Cargo.toml, [profile.release.package.*]).
CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --quiet --release --lib --target wasm32-unknown-unknown \
  --no-default-features --target-dir target/verifier
# --low-memory-unused: Rust's wasm32 stack is placed first and grows down
# from 1 MiB, so the first KiB is never used (binaryen folds offsets into
# loads and stores): 1 KB gzipped less, no slower.
wasm_bindgen target/verifier/wasm32-unknown-unknown/release/upvest_webhooks.wasm pkg/dist/verifier upvest_webhooks_verifier \
  -O3 --low-memory-unused

cp README.md LICENSE-MIT LICENSE-APACHE pkg/
