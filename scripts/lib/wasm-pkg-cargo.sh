# Sourced by build-pkg.sh and wasm-named.sh: `pkg_cargo [cargo args]` builds the npm package's
# module, `$PKG_WASM` is where it lands.
#
# The standard library is rebuilt for it (-Z build-std) with `optimize_for_size` and the
# immediate-abort panic strategy: the precompiled std is built at opt-level 3 with panic
# messages, their formatting and location tables, none of which the package can show: with
# panic = "abort" a panic already ended in a trap (a WebAssembly.RuntimeError in JS) after
# formatting a message nobody reads; now it traps at once.
# Measured: 160.6 -> 142.7 KB raw, 70.8 -> 64.2 KB gzip after wasm-opt.
#
# build-std is unstable; the machine's one toolchain is stable, so the build runs with
# RUSTC_BOOTSTRAP=1 (as Firefox and the Linux kernel build do). It is set for this cargo call
# only, and the flags are the ones this toolchain (1.95) documents; a toolchain that drops them
# fails the build loudly rather than shipping something else. Needs `rustup component add
# rust-src` (./dev installs it). Its own target dir keeps the other builds' caches intact.
#
# Without the multivalue target feature (on by default since Rust 1.82): wasm-bindgen then returns
# results through a stack slot instead of wrapping each export in a multi-value shim. V8 up to
# 11.x (Node 20) has no generic JS-to-wasm wrapper for multi-value signatures, so it compiled a
# TurboFan wrapper for each such export while compiling the module: new WebAssembly.Module of
# the package took 3.7 ms, now 1.5 ms (bench/js/load.mjs prints it).
PKG_TARGET_DIR=target/wasm-pkg
PKG_WASM=$PKG_TARGET_DIR/wasm32-unknown-unknown/wasm-release/rolegate_wasm.wasm
pkg_cargo() {
  # `cargo rustc --crate-type cdylib`: the crate is also an rlib (for its wasm-bindgen tests), and
  # cargo does not apply the profile's `lto = true` to a crate built as rlib and cdylib at once.
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-multivalue" CARGO_TARGET_DIR=$PKG_TARGET_DIR \
    cargo rustc -q -p rolegate-wasm --lib --crate-type cdylib --target wasm32-unknown-unknown \
    --profile wasm-release -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size "$@"
}
