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

# wasm_bindgen <input .wasm> <out dir> <out name> <wasm-opt level>
wasm_bindgen() {
  rm -rf "$2"
  wasm-bindgen --target web --no-typescript --out-dir "$2" --out-name "$3" "$1"
  # Debian's wasm-opt (v108) corrupts current wasm-bindgen output; use npm's binaryen.
  node_modules/.bin/wasm-opt "$4" "$2/$3_bg.wasm" -o "$2/$3_bg.wasm"
  printf '  %s: %s bytes wasm, %s gzipped\n' "$2" "$(wc -c < "$2/$3_bg.wasm")" "$(gzip -9c "$2/$3_bg.wasm" | wc -c)"
}

cargo build --quiet --release --lib --target wasm32-unknown-unknown
wasm_bindgen target/wasm32-unknown-unknown/release/upvest_webhooks.wasm pkg/dist/wasm upvest_webhooks -O3

# Its own target dir, so the two feature sets do not rebuild each other.
CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --quiet --release --lib --target wasm32-unknown-unknown \
  --no-default-features --target-dir target/verifier
wasm_bindgen target/verifier/wasm32-unknown-unknown/release/upvest_webhooks.wasm pkg/dist/verifier upvest_webhooks_verifier -O3

cp README.md LICENSE-MIT LICENSE-APACHE pkg/
