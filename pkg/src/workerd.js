// Cloudflare Workers / workerd: the .wasm is imported as a compiled WebAssembly.Module
// (workerd does not allow compiling from bytes at runtime).
import wasmModule from '../dist/rolegate_wasm_bg.wasm';
import { initSync } from '../dist/rolegate_wasm.js';
import * as wasm from '../dist/rolegate_wasm.js';
import { makeApi } from './api.js';

initSync({ module: wasmModule });

export const { Permissions, validateSnapshot } = makeApi(wasm);
