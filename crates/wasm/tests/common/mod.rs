//! wasm-bindgen-test suites, run in Node and in headless Chromium (`wasm-pack test`).

use rolegate_wasm::{apply_operation, validate_snapshot, Permissions};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

const FIXTURE: &str = include_str!("../../../../../shared/fixtures/workspace.json");
const ZAPIER: &str = "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f";
const NOW: f64 = 1_780_272_000.0;

fn code(e: &JsValue) -> String {
    let v: Value = serde_json::from_str(&e.as_string().unwrap()).unwrap();
    v["code"].as_str().unwrap().to_string()
}

fn intern() -> Permissions {
    Permissions::from_snapshot(FIXTURE.as_bytes(), r#"{"role":"intern"}"#, NOW).unwrap()
}

#[wasm_bindgen_test]
fn intern_role() {
    let p = intern();
    assert!(p.can("person", None, "read").unwrap());
    assert!(!p.can("person", Some("address".into()), "read").unwrap());
    assert!(p.can("person", Some("emails".into()), "read").unwrap());
    assert!(!p.can("person", Some("emails".into()), "update").unwrap());
    assert!(!p.can("opportunity", None, "read").unwrap());
    assert!(!p.can("person", None, "softDelete").unwrap());
    assert!(p.has_flag("EXPORT_CSV").unwrap());
    assert!(p.is_field_read_only("person", "emails", false).unwrap());
    assert!(!p.fields("person", "read").unwrap().contains(&"address".to_string()));
    assert_eq!(p.status(), "active");
    // a JS clock reading crosses as seconds
    assert!(js_sys::Date::now() > 0.0);
}

#[wasm_bindgen_test]
fn errors_carry_code_and_path() {
    let p = Permissions::from_snapshot(FIXTURE.as_bytes(), &json!({"apiKey": ZAPIER}).to_string(), NOW).unwrap();
    assert_eq!(code(&p.can("persons", None, "read").unwrap_err()), "OBJECT_METADATA_NOT_FOUND");
    assert_eq!(code(&p.can("person", None, "fly").unwrap_err()), "INVALID_ARG");
    assert_eq!(code(&Permissions::from_snapshot(FIXTURE.as_bytes(), r#"{"member":"nobody"}"#, NOW).err().unwrap()), "UNKNOWN_PRINCIPAL");
    assert_eq!(code(&Permissions::from_snapshot(b"{", r#"{"role":"intern"}"#, NOW).err().unwrap()), "INVALID_JSON");
    // Documents arrive as bytes: anything not UTF-8 is refused at its argument, never read.
    assert_eq!(code(&Permissions::from_snapshot(b"{\"format\":\"\xff\"}", r#"{"role":"intern"}"#, NOW).err().unwrap()), "INVALID_JSON");
    assert_eq!(code(&Permissions::from_view(b"\xc3").err().unwrap()), "INVALID_JSON");
    assert_eq!(code(&validate_snapshot(b"\xff").unwrap_err()), "INVALID_JSON");
    let v: Value = serde_json::from_str(&validate_snapshot(br#"{"format":"x"}"#).unwrap()).unwrap();
    assert_eq!(v["valid"], false);
    assert!(v["errors"].as_array().unwrap().len() > 3);
}

#[wasm_bindgen_test]
fn redact_and_check_write() {
    let p = intern();
    let out = p.redact_json("person", r#"[{"id":"1","address":{"addressCity":"x"},"jobTitle":"CEO"}]"#).unwrap();
    assert_eq!(out, r#"[{"id":"1","jobTitle":"CEO"}]"#);
    let c: Value =
        serde_json::from_str(&p.check_write("person", "update", Some(r#"{"emails":{},"jobTitle":"x"}"#.into())).unwrap()).unwrap();
    assert_eq!(c["allowed"], false);
    assert_eq!(c["violations"][0]["field"], "emails");
    let e: Value = serde_json::from_str(&p.explain("person", Some("address".into()), "read").unwrap()).unwrap();
    assert_eq!(e["level"], "fieldRule");
}

#[wasm_bindgen_test]
fn view_round_trip_and_operations() {
    let q = Permissions::from_view(intern().view().as_bytes()).unwrap();
    assert!(!q.can("person", Some("address".into()), "read").unwrap());
    assert!(q.can("person", Some("jobTitle".into()), "update").unwrap());
    let next: Value =
        serde_json::from_str(&apply_operation(FIXTURE.as_bytes(), r#"{"op":"setDefaultRole","roleId":"intern"}"#).unwrap()).unwrap();
    assert_eq!(next["revision"], 13);
    assert_eq!(code(&apply_operation(FIXTURE.as_bytes(), r#"{"op":"deleteRole","roleId":"admin"}"#).err().unwrap()), "ROLE_NOT_EDITABLE");
}
