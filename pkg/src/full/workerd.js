// `rolegate/full` for workerd: ../workerd.js with the full build of the module, which adds
// applyOperation and Permissions#redactJson.
// Cloudflare Workers / workerd: the .wasm is imported as a compiled WebAssembly.Module
// (workerd does not allow compiling from bytes at runtime).
import wasmModule from '../../dist/full/rolegate_wasm_bg.wasm';
import { initSync } from '../../dist/full/rolegate_wasm.js';
import * as wasm from '../../dist/full/rolegate_wasm.js';
import { makeApi } from '../api.js';

initSync({ module: wasmModule });

export const { Permissions, validateSnapshot, applyOperation } = makeApi(wasm);
