#!/usr/bin/env bash
# Builds the npm package's module with its function names kept, for scripts/wasm-sizes.mjs:
#   ./scripts/wasm-named.sh [cargo args, e.g. --features full]  ->  target/wasm-named/opt.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/wasm-pkg-cargo.sh
CARGO_PROFILE_WASM_RELEASE_STRIP=none pkg_cargo "$@"
out=target/wasm-named
rm -rf "$out"
wasm-bindgen --keep-debug --target web --no-typescript --out-dir "$out" "$PKG_WASM"
node_modules/.bin/wasm-opt -Oz --one-caller-inline-max-function-size 400 --low-memory-unused -g --strip-dwarf "$out/rolegate_wasm_bg.wasm" -o "$out/opt.wasm"
echo "$out/opt.wasm: $(wc -c < "$out/opt.wasm") bytes with names"
