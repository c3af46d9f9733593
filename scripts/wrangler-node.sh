#!/usr/bin/env bash
# Prints the directory of a Node that wrangler 4 and miniflare 4 accept
# (>= 22.12): the `node` on PATH when it is new enough, otherwise the newest
# LTS of the runtime matrix (node24, then node22 or node26, from the root
# workspace's devDependencies). Callers put it first on PATH:
#   PATH="$(scripts/wrangler-node.sh):$PATH" node --test tests/workers/
set -euo pipefail
cd "$(dirname "$0")/.."
ok() { # a node binary; true when its version is >= 22.12
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}
if current=$(command -v node) && ok "$current"; then
  dirname "$current"
  exit 0
fi
for candidate in node24 node22 node26; do
  if [ -x "node_modules/$candidate/bin/node" ] && ok "node_modules/$candidate/bin/node"; then
    echo "$PWD/node_modules/$candidate/bin"
    exit 0
  fi
done
echo "no Node >= 22.12 for wrangler 4: run scripts/ensure-tools.sh base (npm ci installs node24)" >&2
exit 1
