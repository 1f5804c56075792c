// `rolegate/full` for Node: ../node.js with the full build of the module, which adds
// applyOperation and Permissions#redactJson.
// Node >= 20 (ESM): reads the .wasm from the package and instantiates it synchronously.
// build-pkg.sh bundles this file with the glue and api.js into dist/full/node.js (the `node` export of rolegate/full):
// one module loads faster than three.
import { readFileSync } from 'node:fs';
import { initSync } from '../../dist/full/rolegate_wasm.js';
import * as wasm from '../../dist/full/rolegate_wasm.js';
import { makeApi } from '../api.js';

initSync({ module: readFileSync(new URL('../../dist/full/rolegate_wasm_bg.wasm', import.meta.url)) });

export const { Permissions, validateSnapshot, applyOperation } = makeApi(wasm);
