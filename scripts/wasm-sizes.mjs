// Where the bytes of the npm package's .wasm go: function body sizes by name (from the name
// section), grouped by path prefix, the largest functions, and the sections. A stand-in for
// twiggy that needs nothing beyond Node. It needs a module that still has its names:
//
//   ./scripts/wasm-named.sh [--features full]     # -> target/wasm-named/opt.wasm
//   node scripts/wasm-sizes.mjs target/wasm-named/opt.wasm [--top N] [--depth D] [--grep WORD]
//
// (The shipped module is the same without names: build-pkg.sh strips them.)
import { readFileSync } from 'node:fs';
import { readModule } from './lib/wasm-module.mjs';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const top = Number(opt('--top', 40));
const depth = Number(opt('--depth', 2));
const grep = opt('--grep', null);
const buf = readFileSync(file);
const { sections, funcs, dataSize } = readModule(buf);

console.log(`${file}: ${buf.length} bytes`);
for (const [label, size] of sections) console.log(`  section ${label.padEnd(24)} ${size}`);
const total = funcs.reduce((a, f) => a + f.len, 0);
console.log(`code: ${funcs.length} functions, ${total} bytes; data: ${dataSize} bytes`);

const key = (n) => {
  if (!n.includes('::')) return n;
  // "<T as serde::de::Deserialize>::deserialize" -> look at the trait and type paths alike
  const cleaned = n.replace(/^<|>$/g, '');
  const parts = cleaned.split('::').map((p) => p.replace(/[<>&\s]|as .*$/g, ''));
  return parts.slice(0, depth).join('::');
};
const groups = new Map();
for (const f of funcs) {
  if (grep && !f.name.includes(grep)) continue;
  const k = key(f.name);
  const g = groups.get(k) ?? { len: 0, n: 0 };
  g.len += f.len;
  g.n++;
  groups.set(k, g);
}
console.log(`\nby prefix (depth ${depth}):`);
for (const [k, g] of [...groups].sort((a, b) => b[1].len - a[1].len).slice(0, top)) {
  console.log(`  ${String(g.len).padStart(7)} ${String(g.n).padStart(5)}  ${k}`);
}
console.log(`\nlargest functions:`);
for (const f of funcs.filter((f) => !grep || f.name.includes(grep)).sort((a, b) => b.len - a.len).slice(0, top)) {
  console.log(`  ${String(f.len).padStart(7)}  ${f.name.slice(0, 160)}`);
}
