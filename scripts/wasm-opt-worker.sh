#!/usr/bin/env bash
# wasm-opt for the worker, as worker-build calls it (WASM_OPT_BIN), with one change: functions
# that have a single caller are not merged into it beyond a modest size. Binaryen's default
# (no limit) folds the gateway's per-API paths back into the request's future, one ~140 KB
# function that V8 compiles whole on a fresh isolate's first request; kept apart, the first
# request compiles only the code it runs. And --low-memory-unused, as for the npm package
# (scripts/build-pkg.sh): no address below 1 KiB is used, so constant offsets fold into loads
# and stores (-5 KB raw; the first denied request runs 1 KB less code).
exec "$(dirname "$0")/../node_modules/.bin/wasm-opt" "$@" --one-caller-inline-max-function-size 400 --low-memory-unused
