//! Behaviour of the engine on the fixture workspace and on broken inputs.

mod common;

use rolegate_core::explain::{explain, Level};
use rolegate_core::redact::{redact_json, redact_value};
use rolegate_core::view::effective_view;
use rolegate_core::write::{check_write, Violation, WriteOp};
use rolegate_core::{Op, Policy, Principal, Snapshot, Status};
use serde_json::{json, Value};

const ZAPIER: &str = "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f";
const WAREHOUSE: &str = "8d4e6f10-2c3b-4a5d-8e9f-1a2b3c4d5e6f";
const REVOKED: &str = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e60";

fn policy() -> Policy {
    Policy::from_json(&common::fixture_json()).expect("fixture is valid")
}

fn fixture_value() -> Value {
    serde_json::from_str(&common::fixture_json()).unwrap()
}

#[test]
fn validation_reports_every_error_with_code_and_path() {
    let mut v = fixture_value();
    v["roles"][2]["canReed"] = json!(true);
    v["roles"][3]["permissionFlags"] = json!(["AI", "EXPORT_PDF"]);
    v["members"][1]["roleId"] = json!("ghost");
    v["roles"][2]["fieldPermissions"][0]["canUpdate"] = json!(true);
    // shape errors come first and alone (the typed parse cannot go on)
    let e = Snapshot::from_value(&v).unwrap_err();
    assert_eq!(e.issues.len(), 1, "{e}");
    assert_eq!(e.issues[0].code, "INVALID_ARG");
    assert_eq!(e.issues[0].path, "roles[2].canReed");
    assert!(e.issues[0].message.contains("role \"intern\""), "{}", e.issues[0].message);
    // without the shape error, every semantic error is reported
    v["roles"][2].as_object_mut().unwrap().remove("canReed");
    let e = Snapshot::from_value(&v).unwrap_err();
    let got: Vec<(&str, &str)> = e.issues.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert!(got.contains(&("INVALID_SETTING", "roles[3].permissionFlags[1]")), "{got:?}");
    assert!(got.contains(&("ROLE_NOT_FOUND", "members[1].roleId")), "{got:?}");
    assert!(got.contains(&("ONLY_FIELD_RESTRICTION_ALLOWED", "roles[2].fieldPermissions[0].canUpdate")), "{got:?}");
    assert_eq!(e.issues.len(), 3, "{e}");
}

#[test]
fn several_shape_errors_are_all_reported() {
    let mut v = fixture_value();
    v["extra"] = json!(1);
    v["objects"][0]["fields"][0]["type"] = json!(3);
    v["apiKeys"][0].as_object_mut().unwrap().remove("name");
    let e = Snapshot::from_value(&v).unwrap_err();
    let paths: Vec<&str> = e.issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths.len(), 3, "{e}");
    assert!(paths.contains(&"extra"));
    assert!(paths.contains(&"objects[0].fields[0].type"));
    assert!(paths.contains(&"apiKeys[0].name"));
}

#[test]
fn broken_json_is_a_precise_error() {
    let text = common::fixture_json();
    let e = Snapshot::from_json(&text[..text.len() / 2]).unwrap_err();
    assert_eq!(e.code(), "INVALID_JSON");
    assert!(e.issues[0].message.contains("line"), "{e}");
}

#[test]
fn relation_and_object_errors() {
    let mut v = fixture_value();
    // person.company: inverse points at a non-relation field
    v["objects"][0]["fields"][13]["relation"]["inverse"] = json!("name");
    // duplicate object names
    v["objects"][1]["namePlural"] = json!("people");
    // implicit field declared
    v["objects"][2]["fields"][0]["name"] = json!("id");
    let e = Snapshot::from_value(&v).unwrap_err();
    let got: Vec<(&str, &str)> = e.issues.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert!(got.contains(&("INVALID_ARG", "objects[0].fields[13].relation.inverse")), "{got:?}");
    assert!(got.contains(&("INVALID_ARG", "objects[1].namePlural")), "{got:?}");
    assert!(got.contains(&("INVALID_ARG", "objects[2].fields[0].name")), "{got:?}");
}

fn ex(p: &Policy, principal: Principal, object: &str, field: Option<&str>, op: Op) -> rolegate_core::explain::Explanation {
    explain(p, &principal, common::NOW, object, field, op).unwrap()
}

#[test]
fn explain_names_the_deciding_level() {
    let p = policy();
    let intern = || Principal::Role("intern".into());
    let e = ex(&p, intern(), "person", Some("address"), Op::Read);
    assert_eq!((e.allowed, e.level), (false, Level::FieldRule));
    assert!(e.reason.contains("No Access"), "{}", e.reason);
    let e = ex(&p, intern(), "person", Some("emails"), Op::Update);
    assert_eq!((e.allowed, e.level), (false, Level::FieldRule));
    assert_eq!(ex(&p, intern(), "opportunity", None, Op::Read).level, Level::ObjectRule);
    let e = ex(&p, intern(), "person", None, Op::Update);
    assert_eq!((e.allowed, e.level), (true, Level::ObjectRule));
    let e = ex(&p, intern(), "company", None, Op::Update);
    assert_eq!((e.allowed, e.level), (false, Level::AllObjects));
    let e = ex(&p, intern(), "workflow", None, Op::Read);
    assert_eq!((e.allowed, e.level), (false, Level::Implicit));
    let e = ex(&p, intern(), "workspaceMember", None, Op::Read);
    assert_eq!((e.allowed, e.level), (true, Level::Implicit));
    let e = ex(&p, intern(), "attachment", None, Op::Destroy);
    assert_eq!((e.allowed, e.level), (true, Level::Implicit));
    let e = ex(&p, intern(), "agentChatThread", None, Op::Read);
    assert_eq!((e.allowed, e.level), (false, Level::Implicit));
    let e = ex(&p, intern(), "person", Some("createdAt"), Op::Read);
    assert_eq!((e.allowed, e.level), (true, Level::AllObjects));
    // label identifier with a read restriction (built by an operation)
    let snap = rolegate_core::ops::apply(
        p.snapshot(),
        &rolegate_core::ops::Operation::from_value(&json!({"op":"upsertFieldPermissions","roleId":"intern",
            "rows":[{"object":"company","field":"name","canRead":false}]}))
        .unwrap(),
    )
    .unwrap();
    let p2 = Policy::compile(snap).unwrap();
    let e = ex(&p2, intern(), "company", Some("name"), Op::Read);
    assert_eq!((e.allowed, e.level), (true, Level::LabelIdentifier));
    // intersection names the denying role
    let e = ex(&p, Principal::AgentOnBehalfOf { agent: "agent-sales".into(), member: "m-bob".into() }, "opportunity", None, Op::Read);
    assert_eq!((e.allowed, e.level, e.role.as_deref()), (false, Level::Intersection, Some("intern")));
    assert_eq!(e.roles.len(), 2);
    // statuses
    assert_eq!(ex(&p, Principal::ApiKey(REVOKED.into()), "person", None, Op::Read).level, Level::Revoked);
    assert_eq!(ex(&p, Principal::Agent("agent-research".into()), "person", None, Op::Read).level, Level::NoRole);
    let e = ex(&p, Principal::ApiKey("nope".into()), "person", None, Op::Read);
    assert_eq!((e.allowed, e.level), (false, Level::UnknownPrincipal));
    // unknown names are errors, not decisions
    assert_eq!(
        explain(&p, &Principal::Role("intern".into()), 0, "persons", None, Op::Read).unwrap_err().code(),
        "OBJECT_METADATA_NOT_FOUND"
    );
    assert_eq!(
        explain(&p, &Principal::Role("intern".into()), 0, "person", Some("salary"), Op::Read).unwrap_err().code(),
        "FIELD_METADATA_NOT_FOUND"
    );
}

#[test]
fn expiry_uses_the_given_now() {
    let mut v = fixture_value();
    v["apiKeys"][0]["expiresAt"] = json!("2026-01-01T00:00:00Z");
    let p = Policy::compile(Snapshot::from_value(&v).unwrap()).unwrap();
    let k = Principal::ApiKey(ZAPIER.into());
    let before = 1_767_225_599; // 2025-12-31T23:59:59Z
    assert_eq!(p.resolve(&k, before).unwrap().status(), Status::Active);
    assert_eq!(p.resolve(&k, before + 1).unwrap().status(), Status::Expired);
    assert_eq!(ex(&p, k, "person", None, Op::Read).level, Level::Expired);
}

#[test]
fn effective_view_is_complete_and_exact() {
    let p = policy();
    let principal = Principal::ApiKey(ZAPIER.into());
    let s = p.resolve(&principal, common::NOW).unwrap();
    let v = serde_json::to_value(effective_view(&p, &principal, &s)).unwrap();
    assert_eq!(v["format"], "rolegate-view/v1");
    assert_eq!(v["principal"], json!({"apiKey": ZAPIER}));
    assert_eq!(v["status"], "active");
    assert_eq!(v["roles"], json!(["intern"]));
    assert_eq!(v["revision"], 12);
    let objects = v["objects"].as_object().unwrap();
    assert_eq!(objects.len(), p.snapshot().objects.len());
    assert_eq!(objects.keys().next().unwrap(), "person");
    let person = &v["objects"]["person"];
    assert_eq!(person["canUpdate"], true);
    assert_eq!(person["canSoftDelete"], false);
    assert_eq!(person["fields"]["emails"], json!({"canRead": true, "canUpdate": false}));
    assert_eq!(person["fields"]["address"], json!({"canRead": false, "canUpdate": false}));
    let names: Vec<&String> = person["fields"].as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 18 + 4);
    assert_eq!(&names[18..], ["id", "createdAt", "updatedAt", "deletedAt"]);
    let flags = v["permissionFlags"].as_object().unwrap();
    assert_eq!(flags.len(), 26);
    assert_eq!(flags["EXPORT_CSV"], true);
    assert_eq!(flags.values().filter(|b| b.as_bool().unwrap()).count(), 1);
    // the view parses back
    let back: rolegate_core::view::View = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(back).unwrap(), v);
}

#[test]
fn views_of_principals_that_may_do_nothing() {
    let p = policy();
    for (principal, status) in [(Principal::ApiKey(REVOKED.into()), "revoked"), (Principal::Agent("agent-research".into()), "noRole")] {
        let s = p.resolve(&principal, common::NOW).unwrap();
        let v = serde_json::to_value(effective_view(&p, &principal, &s)).unwrap();
        assert_eq!(v["status"], status);
        assert_eq!(v["roles"], json!([]));
        let text = v["objects"].to_string() + &v["permissionFlags"].to_string();
        assert!(!text.contains("true"), "{principal}: {text}");
    }
    assert_eq!(p.resolve(&Principal::Member("m-zed".into()), 0).unwrap_err().code(), "UNKNOWN_PRINCIPAL");
}

fn person_record() -> Value {
    json!({
        "__typename": "Person",
        "id": "p1", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "deletedAt": null,
        "name": {"firstName": "Ada", "lastName": "Lovelace"},
        "emails": {"primaryEmail": "ada@example.com", "additionalEmails": []},
        "address": {"addressCity": "London"},
        "phones": {"primaryPhoneNumber": "123"},
        "jobTitle": "Countess",
        "companyId": "c1",
        "company": {"id": "c1", "name": "Analytical Engines", "annualRecurringRevenue": {"amountMicros": 5, "currencyCode": "GBP"},
                    "accountOwnerId": "wm1", "accountOwner": {"id": "wm1", "userEmail": "x@y"},
                    "opportunities": [{"id": "o1", "amount": {"amountMicros": 1}}]},
        "pointOfContactForOpportunities": {"edges": [{"node": {"id": "o1", "name": "Deal"}, "cursor": "abc"}], "pageInfo": {"hasNextPage": false}, "totalCount": 1},
        "noteTargets": {"edges": [{"node": {"id": "nt1", "noteId": "n1", "note": {"id": "n1", "title": "Secret"}, "personId": "p1"}, "cursor": "x", "extra": 1}]},
        "secretInternalColumn": 42
    })
}

#[test]
fn redaction_follows_relations_and_drops_unknown_keys() {
    let p = policy();
    let intern = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let person = p.object_id("person").unwrap();
    let mut rec = person_record();
    let stats = redact_value(&p, &intern, person, &mut rec);
    assert!(stats.changed());
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert!(!keys.iter().any(|k| *k == "address"), "{keys:?}");
    assert!(!keys.iter().any(|k| *k == "pointOfContactForOpportunities"), "opportunity is hidden from Intern");
    assert!(!keys.iter().any(|k| *k == "secretInternalColumn"));
    assert_eq!(rec["emails"]["primaryEmail"], "ada@example.com");
    assert_eq!(rec["companyId"], "c1");
    assert_eq!(rec["company"]["name"], "Analytical Engines");
    assert!(rec["company"].get("opportunities").is_none(), "nested relation into a hidden object");
    assert_eq!(rec["company"]["accountOwner"]["userEmail"], "x@y");
    assert_eq!(rec["__typename"], "Person");
    assert_eq!(rec["noteTargets"]["edges"][0]["node"]["note"]["title"], "Secret");
    assert!(rec["noteTargets"]["edges"][0].get("extra").is_none());

    // Integration: emails and notes hidden; the join column of a hidden relation goes too
    let integ = p.resolve(&Principal::ApiKey(WAREHOUSE.into()), 0).unwrap();
    let mut rec = person_record();
    redact_value(&p, &integ, person, &mut rec);
    assert!(rec.get("emails").is_none());
    assert!(rec["noteTargets"]["edges"][0]["node"].get("note").is_none());
    assert!(rec["noteTargets"]["edges"][0]["node"].get("noteId").is_none());
    assert_eq!(rec["noteTargets"]["edges"][0]["node"]["personId"], "p1");
    assert_eq!(rec["pointOfContactForOpportunities"]["totalCount"], 1);
    assert_eq!(rec["pointOfContactForOpportunities"]["edges"][0]["node"]["name"], "Deal");

    // a principal that may read nothing keeps nothing
    let none = p.resolve(&Principal::Agent("agent-research".into()), 0).unwrap();
    let mut rec = person_record();
    redact_value(&p, &none, person, &mut rec);
    assert_eq!(rec, json!({"__typename": "Person"}));
}

#[test]
fn streaming_and_value_redaction_agree() {
    let p = policy();
    let person = p.object_id("person").unwrap();
    let list = json!([person_record(), person_record(), {"id": "p3", "company": null, "companyId": null}]);
    let conn = json!({"edges": [{"node": person_record(), "cursor": "c"}], "pageInfo": {"hasNextPage": true}, "totalCount": 9});
    for principal in [
        Principal::Role("intern".into()),
        Principal::ApiKey(WAREHOUSE.into()),
        Principal::Role("admin".into()),
        Principal::Agent("agent-research".into()),
    ] {
        let s = p.resolve(&principal, 0).unwrap();
        for input in [person_record(), list.clone(), conn.clone(), json!(null), json!([])] {
            let bytes = serde_json::to_vec_pretty(&input).unwrap();
            let mut out = Vec::new();
            let stream_stats = redact_json(&p, &s, person, &bytes, &mut out).unwrap();
            let mut v = input.clone();
            let value_stats = redact_value(&p, &s, person, &mut v);
            let streamed: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(streamed, v, "{principal}");
            assert_eq!(stream_stats, value_stats);
            // key order preserved
            assert_eq!(serde_json::to_string(&streamed).unwrap(), serde_json::to_string(&v).unwrap());
        }
    }
    let s = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let mut out = Vec::new();
    assert_eq!(redact_json(&p, &s, person, b"{\"id\": 1,", &mut out).unwrap_err().code(), "INVALID_JSON");
    assert_eq!(redact_json(&p, &s, person, b"{} trailing", &mut out).unwrap_err().code(), "INVALID_JSON");
    // escaped keys are still recognised (and cannot smuggle a hidden field)
    let mut out = Vec::new();
    redact_json(&p, &s, person, br#"{"addr\u0065ss": {"addressCity": "x"}, "job\u0054itle": "y"}"#, &mut out).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!({"jobTitle": "y"}));
    // duplicate keys: each occurrence is judged
    let mut out = Vec::new();
    redact_json(&p, &s, person, br#"{"address": 1, "jobTitle": "a", "address": 2}"#, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), r#"{"jobTitle":"a"}"#);
    // deep nesting is refused, not a stack overflow
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let mut out = Vec::new();
    assert!(redact_json(&p, &s, person, deep.as_bytes(), &mut out).is_err());
}

#[test]
fn write_checks_name_every_offending_field() {
    let p = policy();
    let intern = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let person = p.object_id("person").unwrap();
    let company = p.object_id("company").unwrap();
    let ok = check_write(
        &p,
        &intern,
        person,
        WriteOp::Update,
        Some(&json!({"jobTitle": "x", "companyId": "c1", "company": {"connect": {"where": {"id": "c1"}}}})),
    );
    assert!(ok.allowed, "{ok:?}");
    let bad = check_write(
        &p,
        &intern,
        person,
        WriteOp::Create,
        Some(&json!({
            "jobTitle": "x", "emails": {"primaryEmail": "a@b"}, "address": {}, "pointOfContactForOpportunities": {"connect": []}, "salary": 1
        })),
    );
    assert!(!bad.allowed && bad.operation_allowed);
    let v: Vec<(&str, Violation)> = bad.violations.iter().map(|v| (v.path.as_str(), v.violation)).collect();
    assert_eq!(
        v,
        vec![
            ("emails", Violation::NotUpdatable),
            ("address", Violation::NotReadable),
            ("pointOfContactForOpportunities", Violation::RelationTargetNotReadable),
            ("salary", Violation::UnknownField),
        ]
    );
    assert_eq!(bad.violations[0].message, "no permission to write field \"emails\" on \"person\"");
    // connect.where finds the target by the fields it names: each must be readable on the
    // target (found in review: a hidden email there answered whether such a person exists)
    let integration = p.resolve(&Principal::Role("integration".into()), 0).unwrap();
    let task_target = p.object_id("taskTarget").unwrap();
    let w = |body: serde_json::Value| check_write(&p, &integration, task_target, WriteOp::Create, Some(&body));
    assert!(w(json!({"person": {"connect": {"where": {"id": "p1"}}}})).allowed);
    let hidden = w(json!({"person": {"connect": {"where": {"emails": {"primaryEmail": "ada@example.com"}}}}}));
    assert!(!hidden.allowed);
    assert_eq!(
        (hidden.violations[0].path.as_str(), hidden.violations[0].violation),
        ("person.connect.where.emails", Violation::NotReadable)
    );
    assert!(
        hidden.violations[0].message.contains("no permission to read field \"emails\" on \"person\""),
        "{}",
        hidden.violations[0].message
    );
    for odd in [
        json!({"connect": {"where": {}}}),
        json!({"connect": {"id": "p1"}}),
        json!({"connect": {"where": {"id": "p1"}, "extra": 1}}),
        json!({"connect": {"where": {"nope": 1}}}),
    ] {
        let r = w(json!({ "person": odd.clone() }));
        assert!(!r.allowed, "{odd}");
    }
    // and a list of them, for one-to-many relations
    let r = check_write(
        &p,
        &integration,
        company,
        WriteOp::Update,
        Some(&json!({"people": {"connect": [{"where": {"id": "p1"}}, {"where": {"emails": {"primaryEmail": "x"}}}]}})),
    );
    assert_eq!(r.violations.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["people.connect.where.emails"]);
    // batch bodies: every element
    let batch = check_write(&p, &intern, person, WriteOp::Create, Some(&json!([{"jobTitle": "a"}, {"emails": {}}, 3])));
    let paths: Vec<&str> = batch.violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["[1].emails", "[2]"]);
    // operation not allowed at all
    let c = check_write(&p, &intern, company, WriteOp::Update, Some(&json!({"name": "x"})));
    assert!(!c.allowed && !c.operation_allowed);
    assert!(!check_write(&p, &intern, person, WriteOp::Destroy, None).allowed);
    assert!(!check_write(&p, &intern, person, WriteOp::Restore, None).allowed);
    // join column to a hidden object
    let sales = p.resolve(&Principal::Role("integration".into()), 0).unwrap();
    let nt = p.object_id("noteTarget").unwrap();
    let r = check_write(&p, &sales, nt, WriteOp::Create, Some(&json!({"noteId": "n1", "personId": "p1"})));
    assert_eq!(r.violations.len(), 1);
    assert_eq!((r.violations[0].path.as_str(), r.violations[0].violation), ("noteId", Violation::RelationTargetNotReadable));
    // unsupported relation forms
    let r = check_write(&p, &intern, person, WriteOp::Update, Some(&json!({"company": {"create": {"name": "x"}}, "companyId": {"id": 1}})));
    assert!(r.violations.iter().all(|v| v.violation == Violation::UnsupportedRelationForm) && r.violations.len() == 2);
}

#[test]
fn operations_bump_revision_and_round_trip() {
    let p = policy();
    let op = rolegate_core::ops::Operation::from_value(&json!({"op": "setDefaultRole", "roleId": "intern"})).unwrap();
    let s2 = rolegate_core::ops::apply(p.snapshot(), &op).unwrap();
    assert_eq!(s2.revision, p.revision() + 1);
    assert_eq!(s2.default_role_id, "intern");
    let text = serde_json::to_string(&s2).unwrap();
    assert_eq!(Snapshot::from_json(&text).unwrap(), s2);
    let e = rolegate_core::ops::Operation::from_value(&json!({"op": "dropTable"})).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARG");
}

#[test]
fn check_by_name_rejects_unknown_names() {
    let p = policy();
    let s = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    assert!(p.check(&s, "person", Some("jobTitle"), Op::Update).unwrap());
    assert!(!p.check(&s, "person", Some("address"), Op::Read).unwrap());
    assert_eq!(p.check(&s, "Person", None, Op::Read).unwrap_err().code(), "OBJECT_METADATA_NOT_FOUND");
    assert_eq!(p.check(&s, "person", Some("companyId"), Op::Read).unwrap_err().code(), "FIELD_METADATA_NOT_FOUND");
    assert_eq!(p.object_id_by_plural("people"), p.object_id("person"));
    assert!(p.memory_bytes() > 0);
}

#[test]
fn an_operation_on_the_last_possible_revision_is_an_error_not_an_overflow() {
    let mut s = Snapshot::from_json(&common::fixture_json()).unwrap();
    s.revision = u64::MAX;
    let op: rolegate_core::ops::Operation =
        serde_json::from_value(serde_json::json!({"op": "setDefaultRole", "roleId": "member"})).unwrap();
    let e = rolegate_core::ops::apply(&s, &op).unwrap_err();
    assert_eq!((e.code(), e.path()), (rolegate_core::codes::INVALID_ARG, "revision"));
}

/// A search vector (TS_VECTOR) is built from the record's fields: where a role hides one of
/// them, the vector is hidden too (reading or filtering on it would reveal the hidden value),
/// and explain says why.
#[test]
fn search_vectors_follow_the_fields_they_are_built_from() {
    let p = policy();
    let person = p.object_id("person").unwrap();
    let company = p.object_id("company").unwrap();
    let sv = |o| p.object(o).field_id("searchVector").unwrap();
    for (role, person_reads, company_reads) in
        [("intern", false, true), ("integration", false, true), ("member", true, true), ("workflow-runner", false, true)]
    {
        let s = p.resolve(&Principal::Role(role.into()), 0).unwrap();
        assert_eq!(p.can_field(&s, person, sv(person), Op::Read), person_reads, "{role} person");
        assert_eq!(p.can_field(&s, company, sv(company), Op::Read), company_reads, "{role} company");
        let ex = rolegate_core::explain::explain(&p, &Principal::Role(role.into()), 0, "person", Some("searchVector"), Op::Read).unwrap();
        assert_eq!(ex.allowed, person_reads, "{role}");
        if !person_reads {
            assert!(ex.roles[0].reason.contains("search vector"), "{role}: {}", ex.roles[0].reason);
        }
    }
    // an intersection: the vector is readable only where every role sees every field
    let both = p.resolve(&Principal::AgentInWorkflow { agent: "agent-sales".into(), workflow: "wf-enrich".into() }, 0).unwrap();
    assert!(!p.can_field(&both, person, sv(person), Op::Read));
}
