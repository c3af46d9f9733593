#!/usr/bin/env bash
# Builds the npm package's generated files into pkg/dist (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=pkg/dist/wasm

cargo build --quiet --release --lib --target wasm32-unknown-unknown
rm -rf "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name upvest_webhooks \
  target/wasm32-unknown-unknown/release/upvest_webhooks.wasm
# Debian's wasm-opt (v108) corrupts current wasm-bindgen output; use npm's binaryen.
node_modules/.bin/wasm-opt -O3 "$out/upvest_webhooks_bg.wasm" -o "$out/upvest_webhooks_bg.wasm"
cp README.md LICENSE-MIT LICENSE-APACHE pkg/
printf '  package: %s (%s bytes wasm, %s gzipped)\n' "$out" \
  "$(wc -c < "$out/upvest_webhooks_bg.wasm")" "$(gzip -9c "$out/upvest_webhooks_bg.wasm" | wc -c)"
