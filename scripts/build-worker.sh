#!/usr/bin/env bash
# Builds the worker (worker/ -> build/) with worker-build, offline: the wasm-bindgen, wasm-opt
# and esbuild it uses are the locally installed ones.
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/scripts/wasm-opt-worker.sh}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/.bin/esbuild}"
# opt-level "s" for the worker's wasm (the native release builds keep 3): a fresh isolate compiles
# and first runs every function its first request touches, so code size is cold-start time. On
# the load bench "s" cost no measurable per-request CPU against 3, and took ~4 ms off the first
# request and half of V8's background compile work (bench/worker/cold.mjs, load.mjs).
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-s}"
worker-build --release worker --out-dir ../build >&2
raw=$(wc -c < build/index_bg.wasm 2>/dev/null || echo 0)
gz=$(gzip -9 -c build/index_bg.wasm 2>/dev/null | wc -c || echo 0)
echo "worker: build/index_bg.wasm ${raw} bytes raw, ${gz} bytes gzipped" >&2
