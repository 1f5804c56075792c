// Reads a WebAssembly module's sections, function bodies and name section: what
// scripts/wasm-sizes.mjs and bench/worker/touched.mjs report on.

/** `{ sections: [[label, size]], funcs: [{ name, len }] (defined functions, in order), importedFuncs, dataSize }` */
export function readModule(buf) {
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
  const funcs = bodies.map((len, i) => ({ name: demangle(names.get(importedFuncs + i) ?? `func[${importedFuncs + i}]`), len }));
  return { sections, funcs, importedFuncs, dataSize };
}

// Crude demangling (legacy `_ZN...E` and v0 `_R...` Rust symbols): the path's identifiers.
export function demangle(n) {
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
