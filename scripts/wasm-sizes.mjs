// Where the bytes of the npm package's .wasm go: function body sizes by name (from the name
// section), grouped by path prefix, the largest functions, and the sections. A stand-in for
// twiggy that needs nothing beyond Node. It needs a module that still has its names:
//
//   ./scripts/wasm-named.sh [--features full]     # -> target/wasm-named/opt.wasm
//   node scripts/wasm-sizes.mjs target/wasm-named/opt.wasm [--top N] [--depth D] [--grep WORD]
//
// (The shipped module is the same without names: build-pkg.sh strips them.)
import { readFileSync } from 'node:fs';

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

let pos = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return result;
  }
};
const name = () => {
  const n = u32();
  const s = buf.toString('utf8', pos, pos + n);
  pos += n;
  return s;
};

const sections = [];
let importedFuncs = 0;
let bodies = [];
const names = new Map();
let dataSize = 0;
while (pos < buf.length) {
  const id = buf[pos++];
  const size = u32();
  const start = pos;
  let label = String(id);
  if (id === 0) {
    label = `custom:${name()}`;
    if (label === 'custom:name') {
      while (pos < start + size) {
        const sub = buf[pos++];
        const len = u32();
        const end = pos + len;
        if (sub === 1) {
          const count = u32();
          for (let i = 0; i < count; i++) {
            const idx = u32();
            names.set(idx, name());
          }
        }
        pos = end;
      }
    }
  } else if (id === 2) {
    const count = u32();
    for (let i = 0; i < count; i++) {
      name();
      name();
      const kind = buf[pos++];
      if (kind === 0) {
        u32();
        importedFuncs++;
      } else if (kind === 1) {
        pos++;
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 2) {
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 3) {
        pos += 2;
      }
    }
  } else if (id === 10) {
    const count = u32();
    for (let i = 0; i < count; i++) {
      const len = u32();
      bodies.push(len);
      pos += len;
    }
  } else if (id === 11) {
    dataSize = size;
  }
  sections.push([label, size]);
  pos = start + size;
}

console.log(`${file}: ${buf.length} bytes`);
for (const [label, size] of sections) console.log(`  section ${label.padEnd(24)} ${size}`);
// Crude demangling (legacy `_ZN...E` and v0 `_R...` Rust symbols): the path's identifiers.
function demangle(n) {
  let m = /^_ZN(.*)E$/.exec(n);
  if (m) {
    const out = [];
    let s = m[1];
    while (s.length) {
      const d = /^(\d+)/.exec(s);
      if (!d) break;
      const len = Number(d[1]);
      out.push(s.slice(d[1].length, d[1].length + len));
      s = s.slice(d[1].length + len);
    }
    if (/^h[0-9a-f]{16}$/.test(out.at(-1) ?? '')) out.pop();
    return out.join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\$RF\$/g, '&').replace(/\.\./g, '::').replace(/\$C\$/g, ',');
  }
  if (n.startsWith('_R')) {
    const out = [];
    const s = n.replace(/C(s[0-9a-zA-Z]*_)?/g, 'C');
    const re = /(\d+)_?([A-Za-z_][A-Za-z0-9_]*)/g;
    let r;
    while ((r = re.exec(s))) {
      const len = Number(r[1]);
      out.push(r[2].slice(0, len));
      re.lastIndex = r.index + r[1].length + len + (s[r.index + r[1].length] === '_' ? 1 : 0);
    }
    return out.join('::');
  }
  return n;
}
const funcs = bodies.map((len, i) => ({ name: demangle(names.get(importedFuncs + i) ?? `func[${importedFuncs + i}]`), len }));
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
