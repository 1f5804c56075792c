// The public API, shared by every entry point. `wasm` is the initialised wasm-bindgen module.
// Values cross into WebAssembly as JSON (snapshots and views as UTF-8 bytes, the rest as
// strings); errors come back as JSON and become `Error`s with `.code`, `.path` and `.issues`.

/** @param {any} e */
function toError(e) {
  if (typeof e === 'string') {
    let info;
    try {
      info = JSON.parse(e);
    } catch {
      return new Error(e);
    }
    const err = new Error(info.message);
    err.name = 'RolegateError';
    err.code = info.code;
    err.path = info.path;
    err.issues = info.issues;
    return err;
  }
  return e;
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw toError(e);
  }
}

const text = (v, what) => {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') {
    throw Object.assign(new TypeError(`${what} must be an object or a JSON string`), { code: 'INVALID_ARG', path: what });
  }
  return JSON.stringify(v);
};

// Snapshots and views go in as UTF-8 bytes: TextEncoder is native, while wasm-bindgen copies a
// string argument character by character in JavaScript (unoptimised on a fresh page: ~1 ms for
// the sample workspace).
const encoder = new TextEncoder();
const utf8 = (v, what) => encoder.encode(text(v, what));

/** Seconds since the epoch from `options.now` (ms, Date or RFC 3339 string) or the clock. */
function nowSeconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  const ms = now instanceof Date ? now.getTime() : typeof now === 'string' ? Date.parse(now) : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw Object.assign(new TypeError('options.now must be milliseconds, a Date or an RFC 3339 string'), { code: 'INVALID_ARG', path: 'options.now' });
  }
  return Math.floor(ms / 1000);
}

// Symbol.dispose exists from Node 20 and current browsers; older engines get a registered symbol.
const DISPOSE = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const optField = (f) => (f === undefined || f === null ? undefined : f);

const fail = (code, path, message) => Object.assign(new Error(`${code}: ${message} (at ${path})`), { name: 'RolegateError', code, path });

/**
 * One object's row of the decision table, from the core's view of that object (every field
 * resolved): checks are lookups in it. Rows are built as objects are first asked about, so
 * `fromSnapshot` / `fromView` resolve nothing a page never looks at.
 */
function row(o) {
  const fields = new Map();
  for (const [f, fv] of Object.entries(o.fields)) fields.set(f, (fv.canRead ? 1 : 0) | (fv.canUpdate ? 2 : 0));
  return { read: o.canRead, update: o.canUpdate, softDelete: o.canSoftDelete, destroy: o.canDestroy, fields };
}

/** The redaction plan from the core: per object, kept keys (1), removed ones (0: hidden
 * fields named like the keys kept below) and relations to follow. */
function planMaps(plan) {
  const out = new Map();
  for (const [object, keys] of Object.entries(plan)) out.set(object, new Map(Object.entries(keys)));
  return out;
}

const ALWAYS = new Set(['__typename', 'pageInfo', 'totalCount']);

/** Applies a redaction plan to in-memory records (same rules as the core's redaction). */
function applyPlan(plan, object, v) {
  if (Array.isArray(v)) return v.map((x) => applyPlan(plan, object, x));
  if (v === null || typeof v !== 'object') return v;
  const keys = plan.get(object);
  const out = {};
  for (const k of Object.keys(v)) {
    const a = keys.get(k);
    if (a === 1) out[k] = v[k];
    else if (typeof a === 'string') out[k] = applyPlan(plan, a, v[k]);
    // not a key of the object (a hidden field of these names is listed as 0: removed)
    else if (a === undefined) {
      if (ALWAYS.has(k)) out[k] = v[k];
      else if (k === 'edges') out[k] = Array.isArray(v[k]) ? v[k].map((e) => edge(plan, object, e)) : [];
    }
  }
  return out;
}

function edge(plan, object, e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return null;
  const out = {};
  for (const k of Object.keys(e)) {
    if (k === 'node') out.node = applyPlan(plan, object, e.node);
    else if (k === 'cursor' || k === '__typename') out[k] = e[k];
  }
  return out;
}

/**
 * `wasm` is the main build or the `full` one (`rolegate/full`, which adds `applyOperation` and
 * `redactJson`); what the module lacks, the API lacks too.
 */
export function makeApi(wasm) {
  class Permissions {
    #inner;
    #objects = new Map();
    #flags = new Map();
    #plan;
    constructor(inner) {
      if (!(inner instanceof wasm.Permissions)) throw new TypeError('use Permissions.fromSnapshot or Permissions.fromView');
      this.#inner = inner;
    }
    // Hot paths: one map lookup per level. A miss asks the core for that object's row (an
    // unknown object is the core's error); a freed instance has empty maps, so every lookup
    // misses and reports FREED.
    #object(object) {
      const o = this.#objects.get(object);
      return o === undefined ? this.#load(object) : o;
    }
    #load(object) {
      const inner = this.#p();
      if (typeof object !== 'string') throw fail('OBJECT_METADATA_NOT_FOUND', 'object', `unknown object "${object}"`);
      const o = row(JSON.parse(call(() => inner.objectView(object))));
      this.#objects.set(object, o);
      return o;
    }
    #missing(object, field) {
      this.#p();
      throw fail('FIELD_METADATA_NOT_FOUND', 'field', `unknown field "${object}.${field}"`);
    }
    #field(object, field, bit) {
      let o = this.#objects.get(object);
      if (o === undefined) o = this.#load(object);
      if (field === undefined || field === null) return bit === 1 ? o.read : o.update;
      const f = o.fields.get(field);
      return f === undefined ? this.#missing(object, field) : (f & bit) !== 0;
    }
    #p() {
      if (!this.#inner) throw Object.assign(new Error('this Permissions object was freed'), { code: 'FREED' });
      return this.#inner;
    }
    static fromSnapshot(snapshot, principal, options = {}) {
      const inner = call(() => wasm.Permissions.fromSnapshot(utf8(snapshot, 'snapshot'), text(principal, 'principal'), nowSeconds(options?.now)));
      return new Permissions(inner);
    }
    static fromView(view) {
      return new Permissions(call(() => wasm.Permissions.fromView(utf8(view, 'view'))));
    }
    canRead(object, field) {
      return this.#field(object, field, 1);
    }
    canUpdate(object, field) {
      return this.#field(object, field, 2);
    }
    canSoftDelete(object) {
      return this.#object(object).softDelete;
    }
    canDestroy(object) {
      return this.#object(object).destroy;
    }
    hasFlag(flag) {
      let v = this.#flags.get(flag);
      if (v === undefined) {
        const inner = this.#p();
        if (typeof flag !== 'string') throw fail('UNKNOWN_FLAG', 'flag', `unknown permission flag "${flag}"`);
        v = call(() => inner.hasFlag(flag));
        this.#flags.set(flag, v);
      }
      return v;
    }
    readableFields(object) {
      return [...this.#object(object).fields].filter(([, b]) => b & 1).map(([f]) => f);
    }
    updatableFields(object) {
      return [...this.#object(object).fields].filter(([, b]) => b & 2).map(([f]) => f);
    }
    isFieldReadOnly(object, field, options = {}) {
      return call(() => this.#p().isFieldReadOnly(object, field, Boolean(options?.recordDeleted)));
    }
    /** A copy without what cannot be read (kept values are shared with the input, not cloned). */
    redact(object, recordOrRecords) {
      this.#object(object);
      this.#plan ??= planMaps(JSON.parse(this.#p().plan()));
      return applyPlan(this.#plan, object, recordOrRecords);
    }
    /** The same on JSON text, streamed through the WebAssembly core (only in `rolegate/full`). */
    redactJson(object, json) {
      return call(() => this.#p().redactJson(object, json));
    }
    checkWrite(object, op, body) {
      const b = body === undefined || body === null ? undefined : JSON.stringify(body);
      return JSON.parse(call(() => this.#p().checkWrite(object, op, b)));
    }
    explain(object, field, op) {
      return JSON.parse(call(() => this.#p().explain(object, optField(field), op)));
    }
    view() {
      return JSON.parse(this.#p().view());
    }
    get status() {
      return this.#p().status();
    }
    free() {
      this.#inner?.free();
      this.#inner = undefined;
      this.#plan = undefined;
      this.#objects = new Map();
      this.#flags = new Map();
    }
    [DISPOSE]() {
      this.free();
    }
  }

  function validateSnapshot(snapshot) {
    return JSON.parse(call(() => wasm.validateSnapshot(utf8(snapshot, 'snapshot'))));
  }

  function applyOperation(snapshot, operation) {
    return JSON.parse(call(() => wasm.applyOperation(utf8(snapshot, 'snapshot'), text(operation, 'operation'))));
  }

  if (typeof wasm.applyOperation !== 'function') {
    delete Permissions.prototype.redactJson;
    return { Permissions, validateSnapshot };
  }
  return { Permissions, validateSnapshot, applyOperation };
}
