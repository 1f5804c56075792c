#!/usr/bin/env bash
# Builds the npm package's module with its function names kept, for scripts/wasm-sizes.mjs:
#   ./scripts/wasm-named.sh [cargo args, e.g. --features full]  ->  target/wasm-named/opt.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_PROFILE_WASM_RELEASE_STRIP=none cargo rustc -q -p rolegate-wasm --lib --crate-type cdylib \
  --target wasm32-unknown-unknown --profile wasm-release "$@"
out=target/wasm-named
rm -rf "$out"
wasm-bindgen --keep-debug --target web --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-release/rolegate_wasm.wasm
node_modules/.bin/wasm-opt -Oz -g --strip-dwarf "$out/rolegate_wasm_bg.wasm" -o "$out/opt.wasm"
echo "$out/opt.wasm: $(wc -c < "$out/opt.wasm") bytes with names"
