// `rolegate/full` for Node: ../node.js with the full build of the module, which adds
// applyOperation and Permissions#redactJson.
// Node >= 20.16 (ESM): reads the .wasm from the package and instantiates it synchronously.
// build-pkg.sh bundles this file with the glue and api.js into dist/full/node.js (the `node` export of rolegate/full):
// one module loads faster than three.
import { initSync } from '../../dist/full/rolegate_wasm.js';
import * as wasm from '../../dist/full/rolegate_wasm.js';
import { makeApi } from '../api.js';

// process.getBuiltinModule (Node >= 20.16) hands over fs without the ES-module facade that
// `import ... from 'node:fs'` builds (one binding per export of fs), which a fresh process pays
// for on the package's load (bench/js/load.mjs).
const { readFileSync } = process.getBuiltinModule('node:fs');
initSync({ module: readFileSync(new URL('../../dist/full/rolegate_wasm_bg.wasm', import.meta.url)) });

export const { Permissions, validateSnapshot, applyOperation } = makeApi(wasm);
