#!/usr/bin/env bash
# Builds the npm package in pkg/: Rust -> wasm32 -> wasm-bindgen (web target) -> wasm-opt -Oz,
# twice: the main build (`rolegate`: what a UI needs) into pkg/dist/, and the `full` feature
# (`rolegate/full`: adds applyOperation and redactJson) into pkg/dist/full/.
# Needs: the wasm32 target and rust-src (std is rebuilt for size: scripts/lib/wasm-pkg-cargo.sh),
# wasm-bindgen-cli 0.2.130, node_modules/.bin/wasm-opt (npm binaryen), node_modules/.bin/esbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/wasm-pkg-cargo.sh
out=pkg/dist
rm -rf "$out"
build() { # build <output dir> <node entry> [cargo args...]
  local dir=$1 entry=$2
  shift 2
  pkg_cargo "$@"
  mkdir -p "$dir"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" "$PKG_WASM"
  # A function with a single caller is merged into it only up to a modest size (binaryen's
  # default has no limit), as for the worker (scripts/wasm-opt-worker.sh): V8 compiles a function
  # whole on its first call, and the JSON parser's value dispatch (once per value) stays apart
  # from the object and array builders it calls.
  # --low-memory-unused: no address below 1 KiB is used (the stack takes the first 1 MiB and
  # grows down from its top; data starts at 1 MiB), so constant offsets fold into loads and
  # stores (-1.0 KB raw, -0.4 KB gzipped).
  node_modules/.bin/wasm-opt -Oz --one-caller-inline-max-function-size 400 --low-memory-unused --strip-debug --strip-producers --strip-target-features \
    "$dir/rolegate_wasm_bg.wasm" -o "$dir/rolegate_wasm_bg.wasm"
  # The Node entry as one ES module (glue + API + entry): Node's loader takes ~2 ms less for one
  # module than for three, which counts in a fresh process's load time.
  node_modules/.bin/esbuild "$entry" --bundle --format=esm --platform=node --target=node20 \
    --log-level=warning --outfile="$dir/node.js"
  local raw gz
  raw=$(wc -c < "$dir/rolegate_wasm_bg.wasm")
  gz=$(gzip -9 -c "$dir/rolegate_wasm_bg.wasm" | wc -c)
  echo "pkg: ${dir#pkg/}/rolegate_wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzipped"
}
build "$out" pkg/src/node.js
build "$out/full" pkg/src/full/node.js --features full
