// The public API, shared by every entry point. `wasm` is the initialised wasm-bindgen module.
// Values cross into WebAssembly as JSON strings; errors come back as JSON and become
// `Error`s with `.code`, `.path` and `.issues`.

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

export function makeApi(wasm) {
  class Permissions {
    #inner;
    constructor(inner) {
      if (!(inner instanceof wasm.Permissions)) throw new TypeError('use Permissions.fromSnapshot or Permissions.fromView');
      this.#inner = inner;
    }
    #p() {
      if (!this.#inner) throw Object.assign(new Error('this Permissions object was freed'), { code: 'FREED' });
      return this.#inner;
    }
    static fromSnapshot(snapshot, principal, options = {}) {
      const inner = call(() => wasm.Permissions.fromSnapshot(text(snapshot, 'snapshot'), text(principal, 'principal'), nowSeconds(options?.now)));
      return new Permissions(inner);
    }
    static fromView(view) {
      return new Permissions(call(() => wasm.Permissions.fromView(text(view, 'view'))));
    }
    canRead(object, field) {
      return call(() => this.#p().can(object, optField(field), 'read'));
    }
    canUpdate(object, field) {
      return call(() => this.#p().can(object, optField(field), 'update'));
    }
    canSoftDelete(object) {
      return call(() => this.#p().can(object, undefined, 'softDelete'));
    }
    canDestroy(object) {
      return call(() => this.#p().can(object, undefined, 'destroy'));
    }
    hasFlag(flag) {
      return call(() => this.#p().hasFlag(flag));
    }
    readableFields(object) {
      return call(() => this.#p().fields(object, 'read'));
    }
    updatableFields(object) {
      return call(() => this.#p().fields(object, 'update'));
    }
    isFieldReadOnly(object, field, options = {}) {
      return call(() => this.#p().isFieldReadOnly(object, field, Boolean(options?.recordDeleted)));
    }
    redact(object, recordOrRecords) {
      return JSON.parse(call(() => this.#p().redact(object, JSON.stringify(recordOrRecords))));
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
    }
    [DISPOSE]() {
      this.free();
    }
  }

  function validateSnapshot(snapshot) {
    return JSON.parse(wasm.validateSnapshot(text(snapshot, 'snapshot')));
  }

  function applyOperation(snapshot, operation) {
    return JSON.parse(call(() => wasm.applyOperation(text(snapshot, 'snapshot'), text(operation, 'operation'))));
  }

  return { Permissions, validateSnapshot, applyOperation };
}
