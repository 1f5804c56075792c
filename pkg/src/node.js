// Node >= 20.16 (ESM): reads the .wasm from the package and instantiates it synchronously.
// build-pkg.sh bundles this file with the glue and api.js into dist/node.js (the `node` export):
// one module loads faster than three.
import { initSync } from '../dist/rolegate_wasm.js';
import * as wasm from '../dist/rolegate_wasm.js';
import { makeApi } from './api.js';

// process.getBuiltinModule (Node >= 20.16) hands over fs without the ES-module facade that
// `import ... from 'node:fs'` builds (one binding per export of fs), which a fresh process pays
// for on the package's load (bench/js/load.mjs).
const { readFileSync } = process.getBuiltinModule('node:fs');
initSync({ module: readFileSync(new URL('../dist/rolegate_wasm_bg.wasm', import.meta.url)) });

export const { Permissions, validateSnapshot } = makeApi(wasm);
