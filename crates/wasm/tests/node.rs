#![cfg(target_arch = "wasm32")]
//! Runs the shared suite under Node (`wasm-pack test --node`).
mod common;
