# upvest-webhooks: the two commands are `make demo` and `make test`.
# Every target installs what it is missing first (scripts/ensure-tools.sh),
# and is quick when everything is already there.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

RUST_SOURCES := $(shell find src -type f) Cargo.toml Cargo.lock .cargo/config.toml
PKG_SOURCES := $(wildcard pkg/src/*.js) $(wildcard pkg/src/verifier/*.js) $(wildcard pkg/emulator/*) pkg/index.d.ts $(wildcard pkg/types/*.d.ts) pkg/events.d.ts pkg/verifier.d.ts pkg/package.json README.md
WASM := pkg/dist/wasm/upvest_webhooks_bg.wasm
# The Node entries, each bundled into one file (scripts/bundle-node.mjs).
NODE_ENTRIES := pkg/dist/node.js pkg/dist/verifier/node.js
CONSUMER := target/consumer/entry.mjs

.PHONY: all tools package consumer demo emulator fuzz samples event-types docs lint lint-js format test-types test-emulator test-package test-examples test test-rust test-wasm test-js test-workers test-portable test-browser test-playground www bench bench-quick clean

all: package

tools:
	@scripts/ensure-tools.sh base

$(WASM): $(RUST_SOURCES) scripts/build-package.sh | tools
	@scripts/progress.sh "building the two WebAssembly modules (release, LTO: about 3 minutes)" scripts/build-package.sh

$(NODE_ENTRIES) &: $(WASM) $(PKG_SOURCES) scripts/bundle-node.mjs | tools
	@node scripts/bundle-node.mjs

## make package: build the npm package into pkg/ (generated files in pkg/dist)
package: tools $(WASM) $(NODE_ENTRIES)

$(CONSUMER): $(WASM) $(NODE_ENTRIES) $(PKG_SOURCES)
	@scripts/progress.sh "packing the npm package and installing it into target/consumer" scripts/install-consumer.sh

## make consumer: npm pack ./pkg and install the tarball into target/consumer
consumer: package $(CONSUMER)

## make demo: the emulator, a verifying receiver and the client, in seven steps
## (set UPVEST_BASE_URL etc. to run it against the Upvest sandbox; see README)
demo: consumer
	@node scripts/demo.mjs

## make emulator: the local Upvest emulator (PORT=8787, TIME_FACTOR=1, EMULATOR_ARGS=…)
emulator:
	@node pkg/emulator/cli.mjs --port $(or $(PORT),8787) --time-factor $(or $(TIME_FACTOR),1) $(EMULATOR_ARGS)

## make event-types: regenerate pkg/events.d.ts from Upvest's OpenAPI (vendor/upvest/)
event-types:
	node scripts/gen-event-types.mjs $(UPVEST_OPENAPI)

## make docs: the API reference (TypeDoc) into www/docs/
docs:
	@node scripts/build-docs.mjs

test-types: consumer
	node --test tests/types/

## make samples: regenerate pkg/emulator/sample-events.json from Upvest's OpenAPI (vendor/upvest/)
samples:
	node scripts/gen-sample-events.mjs $(UPVEST_OPENAPI)

## make test: every suite (Rust, wasm in Node and Chromium, Node, Workers, browser)
test: tools
	@scripts/ensure-tools.sh wasm-pack chromium
	@$(MAKE) --no-print-directory consumer
	@scripts/run-tests.sh

test-rust:
	cargo test
	scripts/lint.sh

## make lint: rustfmt, clippy, Biome (JS lint and format) and tsc --checkJs; `make lint-js` for the JavaScript alone
lint: tools
	@scripts/lint.sh

lint-js:
	@scripts/lint.sh js

## make format: apply Biome's formatting and safe fixes (biome.json) to the JavaScript
format:
	biome check --write

test-wasm: tools
	@scripts/ensure-tools.sh wasm-pack chromium
	wasm-pack test --node -- --test wasm_node
	wasm-pack test --headless --chrome -- --test wasm_browser

test-js: consumer
	node --test tests/js/

## make test-portable: the portable suite on Node 20, 22, 24, 26, Deno 2 and Bun 1 (RUNTIMES="deno bun" for some)
test-portable: tools consumer
	node tests/portable/run.mjs $(RUNTIMES)

# wrangler 4 and miniflare 4 need Node >= 22.12: this Node when new enough, else node24 from node_modules
WRANGLER_NODE = PATH="$$(scripts/wrangler-node.sh):$$PATH"

test-workers: consumer
	$(WRANGLER_NODE) node --test 'tests/workers/**/*.test.mjs'

test-browser: consumer
	@scripts/ensure-tools.sh chromium
	node --test tests/browser/

test-package: consumer
	@scripts/ensure-tools.sh chromium
	$(WRANGLER_NODE) node --test 'tests/package/**/*.test.mjs'

test-examples: consumer
	$(WRANGLER_NODE) node --test 'tests/examples/**/*.test.mjs'

test-emulator: consumer
	node --test tests/emulator/

test-playground: consumer
	@scripts/ensure-tools.sh chromium
	node --test tests/playground/

## make www: the browser playground on http://127.0.0.1:8000 (start `make emulator` too, for its webhook manager)
www: consumer docs
	@node scripts/serve-www.mjs --port $(or $(WWW_PORT),8000)

## make fuzz: every cargo-fuzz target for FUZZ_SECONDS (default 60) each; installs cargo-fuzz once
fuzz:
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),60)

## make bench: speed, size and memory under Node 20, Node 24 and workerd, side by side with WebCrypto,
## node:crypto and OpenSSL (about 6 minutes); regenerates README.md's performance table
bench: consumer
	@scripts/ensure-tools.sh node24
	@$(WRANGLER_NODE) node bench/run.mjs
	@node bench/readme-table.mjs
	@node bench/parse-scaling.mjs
	@node bench/hostile.mjs

## make bench-quick: bench/run.mjs with small samples (under a minute), a smoke test; README untouched
bench-quick: consumer
	@scripts/ensure-tools.sh node24
	@BENCH_QUICK=1 $(WRANGLER_NODE) node bench/run.mjs

clean:
	rm -rf target/consumer target/npm pkg/dist
