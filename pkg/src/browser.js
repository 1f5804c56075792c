// Browsers (with or without a bundler) and the default condition: fetches the .wasm next to
// this package and compiles it while the module loads (top-level await).
import init, * as wasm from '../dist/rolegate_wasm.js';
import { makeApi } from './api.js';

await init({ module_or_path: new URL('../dist/rolegate_wasm_bg.wasm', import.meta.url) });

export const { Permissions, validateSnapshot } = makeApi(wasm);
