// Node >= 20 (ESM): reads the .wasm from the package and instantiates it synchronously.
// build-pkg.sh bundles this file with the glue and api.js into dist/node.js (the `node` export):
// one module loads faster than three.
import { readFileSync } from 'node:fs';
import { initSync } from '../dist/rolegate_wasm.js';
import * as wasm from '../dist/rolegate_wasm.js';
import { makeApi } from './api.js';

initSync({ module: readFileSync(new URL('../dist/rolegate_wasm_bg.wasm', import.meta.url)) });

export const { Permissions, validateSnapshot } = makeApi(wasm);
