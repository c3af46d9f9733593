#!/usr/bin/env bash
# Installs what the build and tests need, once; fast when all is present.
# Usage: scripts/ensure-tools.sh [base] [wasm-pack] [chromium]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '  \033[2m·\033[0m %s\n' "$*"; }

lock_version() { # version of a crate in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

base() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want; want=$(lock_version wasm-bindgen)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 3 minutes, once)"
    # Not --locked: the crates.io index can lag behind the CLI's own lockfile.
    cargo install wasm-bindgen-cli --version "$want" --quiet
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dev tools (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

wasm_pack() {
  if ! command -v wasm-pack >/dev/null; then
    say "installing wasm-pack (about 4 minutes, once)"
    cargo install wasm-pack --version 0.15.1 --quiet
  fi
}

chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

for what in "${@:-base}"; do
  case "$what" in
    base) base ;;
    wasm-pack) wasm_pack ;;
    chromium) chromium ;;
    *) echo "unknown tool set: $what" >&2; exit 2 ;;
  esac
done
