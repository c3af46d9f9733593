#!/usr/bin/env bash
# Packs ./pkg with npm pack and installs the tarball into an empty project,
# target/consumer, the way a user would. Tests import the package from there.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/npm target/consumer
mkdir -p target/npm target/consumer
(cd pkg && npm pack --silent --pack-destination ../target/npm >/dev/null)
tarball=$(ls target/npm/upvest-webhooks-*.tgz)
printf '{ "name": "consumer", "private": true, "type": "module" }\n' > target/consumer/package.json
(cd target/consumer && npm install --silent --no-audit --no-fund --no-package-lock "../npm/$(basename "$tarball")")
echo "export * from 'upvest-webhooks';" > target/consumer/entry.mjs
echo "  consumer: installed $(basename "$tarball") into target/consumer"
