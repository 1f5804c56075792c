#![cfg(target_arch = "wasm32")]
//! Runs the shared suite in a browser (`wasm-pack test --headless --chrome`).
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
mod common;
