// Shared by bench/js/touched.mjs and bench/worker/touched.mjs: instrument a module with
// binaryen's --log-execution (a call to an imported `log_execution(id)` at every function entry
// and loop head) and map the ids back to the module's defined functions; print what ran.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `output`, the instrumented copy of `input`, and returns the map from logged id to the
 * index of the defined function it is in (the order of `readModule(input).funcs`).
 */
export function instrument(root, input, output, definedCount) {
  const bin = (name) => join(root, 'node_modules/.bin', name);
  execFileSync(bin('wasm-opt'), [input, '--log-execution', '-g', '-o', output]);
  execFileSync(bin('wasm-dis'), [output, '-o', `${output}.wat`]);
  const wat = readFileSync(`${output}.wat`, 'utf8').split('\n');
  const logImport = wat.map((l) => /\(import "[^"]+" "log_execution" \(func (\$\S+)/.exec(l)?.[1]).find(Boolean);
  if (!logImport) throw new Error('wasm-opt --log-execution added no log_execution import');
  const idToFunc = new Map();
  let defined = -1;
  for (let i = 0; i < wat.length; i++) {
    if (wat[i].startsWith(' (func ')) defined++;
    else if (wat[i].includes(`(call ${logImport}`)) {
      const id = /i32\.const (\d+)/.exec(wat[i + 1])?.[1];
      if (id !== undefined) idToFunc.set(Number(id), defined);
    }
  }
  if (defined + 1 !== definedCount) throw new Error(`instrumented module has ${defined + 1} functions, the original ${definedCount}`);
  return idToFunc;
}

/** Prints what ran (`ran`: function objects of `funcs`), by name prefix and largest first. */
export function printTouched(title, ran, funcs, { depth = 2, top = 12 } = {}) {
  const total = funcs.reduce((a, f) => a + f.len, 0);
  const bytes = ran.reduce((a, f) => a + f.len, 0);
  console.log(`${title}: ${ran.length} functions, ${bytes} bytes of code (${((100 * bytes) / total).toFixed(0)} % of the module's ${total})`);
  const groups = new Map();
  for (const f of ran) {
    const k = f.name.replace(/^<|>$/g, '').split('::').map((p) => p.replace(/[<>&\s]|as .*$/g, '')).slice(0, depth).join('::');
    groups.set(k, (groups.get(k) ?? 0) + f.len);
  }
  console.log(`  by prefix (depth ${depth}):`);
  for (const [k, n] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${String(n).padStart(7)}  ${k}`);
  console.log('  largest functions:');
  for (const f of [...ran].sort((a, b) => b.len - a.len).slice(0, top)) console.log(`    ${String(f.len).padStart(7)}  ${f.name.slice(0, 120)}`);
}
