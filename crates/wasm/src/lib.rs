//! The npm package `rolegate`: a thin wasm-bindgen layer over `rolegate_core::permissions`.
//!
//! Values cross the boundary as JSON strings (the package's JS wrapper does
//! `JSON.stringify` / `JSON.parse`), so the module stays small and a question costs only its
//! strings. The large documents (snapshot, view) come in as UTF-8 bytes the wrapper encoded
//! with `TextEncoder` (native): wasm-bindgen copies a `&str` argument character by character in
//! JavaScript, which on a fresh page or process runs unoptimised: 1.5 ms for the 27 KB
//! fixture. Errors are thrown as JSON strings `{"code","message","path","issues"}`, which the
//! wrapper turns into `Error`s with `.code` and `.path`. No decision is made here.
//!
//! Two builds: the default one (the package's main entry, what a UI needs) and, with the
//! `full` feature, one that also has `applyOperation` and `redactJson` (`rolegate/full`), which
//! carry the management operations and the streaming JSON redaction the main entry leaves out
//! to stay small.

#[cfg(feature = "full")]
use rolegate_core::ops::{apply, Operation};
use rolegate_core::permissions::Permissions as Core;
use rolegate_core::view::View;
use rolegate_core::write::WriteOp;
use rolegate_core::{codes, Error, Op, Policy, Principal, Snapshot};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// What an error is thrown as (serialised straight from these fields: no `serde_json::Value`
/// tree, whose serialiser would pull number formatting into the module).
#[derive(Serialize)]
struct Thrown<'a> {
    code: &'a str,
    message: String,
    path: &'a str,
    issues: &'a [rolegate_core::Issue],
}

fn err(e: &Error) -> JsValue {
    JsValue::from_str(&json(&Thrown { code: e.code(), message: e.to_string(), path: e.path(), issues: &e.issues }))
}

fn invalid(path: &str, msg: String) -> JsValue {
    err(&Error::one(codes::INVALID_ARG, path, msg))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(feature = "full")]
fn parse(text: &str, what: &str) -> Result<serde_json::Value, JsValue> {
    rolegate_core::tree::value_from_str(text)
        .map_err(|e| err(&Error::one(codes::INVALID_JSON, what, format!("{what} is not valid JSON: {e}"))))
}

/// A document the wrapper encoded with `TextEncoder` (always UTF-8; checked all the same).
fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, JsValue> {
    std::str::from_utf8(bytes).map_err(|_| err(&Error::one(codes::INVALID_JSON, what, format!("{what} is not UTF-8"))))
}

fn op(name: &str) -> Result<Op, JsValue> {
    Op::parse(name).ok_or_else(|| invalid("op", format!("unknown op \"{name}\" (read, update, softDelete, destroy)")))
}

/// What one principal may do. Build it once; every question afterwards is a lookup.
#[wasm_bindgen]
pub struct Permissions {
    inner: Core,
}

#[wasm_bindgen]
impl Permissions {
    /// Snapshot JSON (UTF-8 bytes), principal JSON (contract §2), `now` in Unix seconds.
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(snapshot: &[u8], principal: &str, now: f64) -> Result<Permissions, JsValue> {
        // Policy::from_json validates once (Snapshot::from_json and then compiling would twice).
        let policy = Policy::from_json(utf8(snapshot, "snapshot")?).map_err(|e| err(&e))?;
        let principal = Principal::from_json(principal).map_err(|e| err(&e))?;
        let inner = Core::from_policy(policy, principal, now as i64).map_err(|e| err(&e))?;
        Ok(Permissions { inner })
    }

    /// Effective view JSON (contract §3, UTF-8 bytes).
    #[wasm_bindgen(js_name = fromView)]
    pub fn from_view(view: &[u8]) -> Result<Permissions, JsValue> {
        let v = View::from_json(utf8(view, "view")?).map_err(|e| invalid("view", format!("not a rolegate view: {e}")))?;
        Ok(Permissions { inner: Core::from_view(v).map_err(|e| err(&e))? })
    }

    #[wasm_bindgen(js_name = hasFlag)]
    pub fn has_flag(&self, flag: &str) -> Result<bool, JsValue> {
        self.inner.has_flag(flag).map_err(|e| err(&e))
    }

    #[wasm_bindgen(js_name = isFieldReadOnly)]
    pub fn is_field_read_only(&self, object: &str, field: &str, record_deleted: bool) -> Result<bool, JsValue> {
        self.inner.is_field_read_only(object, field, record_deleted).map_err(|e| err(&e))
    }

    /// The redaction plan JSON (see `Permissions::redaction_plan` in rolegate-core).
    pub fn plan(&self) -> String {
        json(&self.inner.redaction_plan())
    }

    /// Write check JSON `{allowed, operationAllowed, violations}`; `body` may be absent.
    #[wasm_bindgen(js_name = checkWrite)]
    pub fn check_write(&self, object: &str, op_name: &str, body: Option<String>) -> Result<String, JsValue> {
        let wop = WriteOp::parse(op_name).ok_or_else(|| {
            invalid("op", format!("unknown write op \"{op_name}\" (create, update, upsert, softDelete, restore, destroy)"))
        })?;
        let check = self.inner.check_write_json(object, wop, body.as_deref()).map_err(|e| err(&e))?;
        Ok(json(&check))
    }

    pub fn explain(&self, object: &str, field: Option<String>, op_name: &str) -> Result<String, JsValue> {
        Ok(json(&self.inner.explain(object, field.as_deref(), op(op_name)?).map_err(|e| err(&e))?))
    }

    /// One object of the effective view, JSON (`{canRead, canUpdate, canSoftDelete,
    /// canDestroy, fields}`): the wrapper builds its lookup table from these, one object at a
    /// time as they are first asked about.
    #[wasm_bindgen(js_name = objectView)]
    pub fn object_view(&self, object: &str) -> Result<String, JsValue> {
        Ok(json(&*self.inner.object_view(object).map_err(|e| err(&e))?))
    }

    /// The effective view JSON (contract §3).
    pub fn view(&self) -> String {
        json(&self.inner.view())
    }

    /// `active`, `revoked`, `expired` or `noRole`.
    pub fn status(&self) -> String {
        self.inner.status().as_str().to_string()
    }
}

/// Not exported: the package's wrapper answers `canRead`, `readableFields` and the like from
/// the rows `objectView` gives it, so these two would be dead weight in the module (3 KB with
/// the array conversion). The binding's own tests (wasm-bindgen-test, in Node and Chromium)
/// ask through them.
impl Permissions {
    /// `op`: read, update, softDelete or destroy; `field` may be absent.
    pub fn can(&self, object: &str, field: Option<String>, op_name: &str) -> Result<bool, JsValue> {
        self.inner.can(object, field.as_deref(), op(op_name)?).map_err(|e| err(&e))
    }

    /// Field names passing `op` (read or update), in schema order.
    pub fn fields(&self, object: &str, op_name: &str) -> Result<Vec<String>, JsValue> {
        self.inner.fields_with(object, op(op_name)?).map_err(|e| err(&e))
    }
}

/// `{"valid": true}` or `{"valid": false, "errors": [...]}` (snapshot JSON as UTF-8 bytes).
#[wasm_bindgen(js_name = validateSnapshot)]
pub fn validate_snapshot(snapshot: &[u8]) -> Result<String, JsValue> {
    Ok(match Snapshot::from_json(utf8(snapshot, "snapshot")?) {
        Ok(_) => r#"{"valid":true}"#.to_string(),
        Err(e) => {
            #[derive(Serialize)]
            struct Invalid<'a> {
                valid: bool,
                errors: &'a [rolegate_core::Issue],
            }
            json(&Invalid { valid: false, errors: &e.issues })
        }
    })
}

/// Applies a management operation (contract §5); returns the new snapshot JSON.
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = applyOperation)]
pub fn apply_operation(snapshot: &[u8], operation: &str) -> Result<String, JsValue> {
    let s = Snapshot::from_json(utf8(snapshot, "snapshot")?).map_err(|e| err(&e))?;
    let op = Operation::from_value(&parse(operation, "operation")?).map_err(|e| err(&e))?;
    Ok(json(&apply(&s, &op).map_err(|e| err(&e))?))
}

/// Only in the `full` build (`rolegate/full`): redaction of JSON text, streamed through the core.
#[cfg(feature = "full")]
#[wasm_bindgen]
impl Permissions {
    /// Records JSON in, redacted JSON out (streaming, no DOM).
    #[wasm_bindgen(js_name = redactJson)]
    pub fn redact_json(&self, object: &str, records: &str) -> Result<String, JsValue> {
        let mut out = Vec::with_capacity(records.len());
        self.inner.redact_json(object, records.as_bytes(), &mut out).map_err(|e| err(&e))?;
        String::from_utf8(out).map_err(|e| invalid("records", e.to_string()))
    }
}
