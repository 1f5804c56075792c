//! Admin tooling: import from Twenty's recorded metadata answers, diff, who-can.

mod common;

use common::*;
use rolegate_core::diff::{diff, Kind};
use rolegate_core::ops::{apply, Operation};
use rolegate_core::twenty::{import, Answers, Options};
use rolegate_core::view::{effective_view, View};
use rolegate_core::who_can::{who_can, Query};
use rolegate_core::{codes, Error, Flag, Op, Policy, Principal, Snapshot};
use serde_json::{json, Value};

struct Recorded {
    objects: Value,
    roles: Value,
    api_keys: Value,
    members: Value,
}

fn recorded() -> Recorded {
    let dir = repo_root().join("tests/fixtures/twenty");
    let read = |f: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(dir.join(f)).expect(f)).expect(f) };
    Recorded { objects: read("objects.json"), roles: read("roles.json"), api_keys: read("api-keys.json"), members: read("members.json") }
}

fn opts() -> Options {
    Options { revision: 13, ..Options::default() }
}

fn run(r: &Recorded, o: &Options) -> Result<rolegate_core::twenty::Imported, Error> {
    import(&Answers { objects: &r.objects, roles: &r.roles, api_keys: Some(&r.api_keys), members: Some(&r.members) }, o)
}

fn imported() -> Snapshot {
    run(&recorded(), &opts()).expect("the recorded answers import").snapshot
}

fn fixture() -> Snapshot {
    Snapshot::from_json(&fixture_json()).unwrap()
}

fn view(p: &Policy, who: &Principal) -> View {
    let s = p.resolve(who, NOW).unwrap();
    effective_view(p, who, &s)
}

/// Every permission of `a` on the objects and fields of `a` equals `b`'s.
fn assert_same_on(a: &View, b: &View, what: &str) {
    assert_eq!(a.status, b.status, "{what}: status");
    assert_eq!(a.permission_flags, b.permission_flags, "{what}: flags");
    for (name, o) in &a.objects {
        let other = b.objects.get(name).unwrap_or_else(|| panic!("{what}: object {name} missing"));
        for op in Op::ALL {
            assert_eq!(o.get(op), other.get(op), "{what}: {} {name}", op.as_str());
        }
        for (f, fv) in &o.fields {
            assert_eq!(Some(fv), other.fields.get(f), "{what}: {name}.{f}");
        }
    }
}

#[test]
fn recorded_answers_map_to_the_sample_workspace() {
    let fx = Policy::compile(fixture()).unwrap();
    let im = Policy::compile(imported()).unwrap();
    let (f, i) = (fx.snapshot(), im.snapshot());
    // Roles by label: the same permissions on every object and field of the sample workspace.
    for r in &f.roles {
        let twin = i.roles.iter().find(|x| x.label == r.label).unwrap_or_else(|| panic!("role {} not imported", r.label));
        assert_ne!(twin.id, r.id, "Twenty's ids are kept");
        assert_same_on(&view(&fx, &Principal::Role(r.id.clone())), &view(&im, &Principal::Role(twin.id.clone())), &r.label);
    }
    // Members by name, API keys by id (Twenty's), agents with a role by name.
    for m in &f.members {
        let twin = i.members.iter().find(|x| x.name == m.name).unwrap_or_else(|| panic!("member {} not imported", m.name));
        assert_same_on(&view(&fx, &Principal::Member(m.id.clone())), &view(&im, &Principal::Member(twin.id.clone())), &m.name);
    }
    for k in &f.api_keys {
        let twin = i.api_keys.iter().find(|x| x.id == k.id).unwrap_or_else(|| panic!("API key {} not imported", k.name));
        assert_eq!((&twin.name, twin.revoked_at.is_some()), (&k.name, k.revoked_at.is_some()));
        assert_same_on(&view(&fx, &Principal::ApiKey(k.id.clone())), &view(&im, &Principal::ApiKey(k.id.clone())), &k.name);
    }
    for a in f.agents.iter().filter(|a| a.role_id.is_some()) {
        let twin = i.agents.iter().find(|x| x.name == a.name).unwrap_or_else(|| panic!("agent {} not imported", a.name));
        assert_same_on(&view(&fx, &Principal::Agent(a.id.clone())), &view(&im, &Principal::Agent(twin.id.clone())), &a.name);
    }
    assert_eq!(i.workspace_id, f.workspace_id);
    assert_eq!(i.role(&i.admin_role_id).unwrap().label, "Admin");
    assert_eq!(i.role(&i.default_role_id).unwrap().label, "Member");
    assert_eq!(i.revision, 13);
    // Schema: every object of the sample workspace with the same fields, types and relations.
    for o in &f.objects {
        let twin = i.object(&o.name_singular).unwrap();
        assert_eq!(
            (&twin.name_plural, twin.is_system, &twin.label_identifier_field),
            (&o.name_plural, o.is_system, &o.label_identifier_field)
        );
        let declared: Vec<_> = twin.fields.iter().filter(|f| f.name != "invoices").collect();
        assert_eq!(declared, o.fields.iter().collect::<Vec<_>>(), "fields of {}", o.name_singular);
    }
}

#[test]
fn custom_objects_composite_and_relation_fields_are_mapped() {
    let s = imported();
    let inv = s.object("invoice").expect("the custom object");
    assert_eq!(inv.name_plural, "invoices");
    assert!(!inv.is_system);
    assert_eq!(inv.label_identifier_field.as_deref(), Some("name"));
    let types: Vec<(&str, &str)> = inv.fields.iter().map(|f| (f.name.as_str(), f.field_type.as_str())).collect();
    assert_eq!(&types[..3], &[("name", "TEXT"), ("amount", "CURRENCY"), ("status", "SELECT")]);
    assert!(types.contains(&("billingAddress", "ADDRESS")));
    assert!(!types.iter().any(|(n, _)| ["id", "createdAt", "updatedAt", "deletedAt"].contains(n)), "implicit fields are not declared");
    let rel = inv.field("company").unwrap().relation.as_ref().unwrap();
    assert_eq!((rel.target.as_str(), rel.inverse.as_str(), rel.join_column.as_deref()), ("company", "invoices", Some("companyId")));
    let back = s.object("company").unwrap().field("invoices").unwrap().relation.as_ref().unwrap();
    assert_eq!((back.target.as_str(), back.inverse.as_str(), back.join_column.as_deref()), ("invoice", "company", None));
    // The Finance role's rules, with Twenty's ids mapped to names.
    let p = Policy::compile(s.clone()).unwrap();
    let fin = s.roles.iter().find(|r| r.label == "Finance").unwrap();
    let who = Principal::Role(fin.id.clone());
    let subj = p.resolve(&who, NOW).unwrap();
    assert!(p.check(&subj, "invoice", None, Op::Update).unwrap());
    assert!(p.check(&subj, "invoice", None, Op::SoftDelete).unwrap());
    assert!(!p.check(&subj, "invoice", None, Op::Destroy).unwrap());
    assert!(p.check(&subj, "company", Some("annualRecurringRevenue"), Op::Read).unwrap());
    assert!(!p.check(&subj, "company", Some("annualRecurringRevenue"), Op::Update).unwrap(), "see only");
    assert!(!p.check(&subj, "company", Some("accountOwner"), Op::Read).unwrap(), "no access on a relation field");
    assert!(!p.check(&subj, "person", Some("phones"), Op::Read).unwrap(), "no access on a composite field");
    assert!(p.has_flag(&subj, Flag::parse("IMPORT_CSV").unwrap()));
    // Keys: the revoked one comes from the role targets only, the one without a role from the key list only.
    let legacy = s.api_keys.iter().find(|k| k.name == "Legacy import script").unwrap();
    assert_eq!(legacy.role_id, None);
    let old = s.api_keys.iter().find(|k| k.name == "Old CRM migration").unwrap();
    assert!(old.revoked_at.is_some());
    assert_eq!(p.resolve(&Principal::ApiKey(old.id.clone()), NOW).unwrap().status(), rolegate_core::Status::Revoked);
    let fran = s.members.iter().find(|m| m.name == "Frances Allen").unwrap();
    assert_eq!(fran.role_id.as_deref(), Some(fin.id.as_str()));
}

#[test]
fn previous_snapshot_sets_the_revision_and_keeps_options_and_workflows() {
    let base = imported();
    let mut prev = base.clone();
    prev.revision = 41;
    prev.options.api_keys_without_role = rolegate_core::model::ApiKeysWithoutRole::Deny;
    let runner = prev.roles.iter().find(|r| r.label == "Workflow runner").unwrap().id.clone();
    prev.workflows.push(rolegate_core::model::Workflow { id: "wf-1".into(), name: "Enrich".into(), role_id: Some(runner) });
    let o = Options { revision: 42, previous: Some(prev), ..Options::default() };
    let s = run(&recorded(), &o).unwrap().snapshot;
    assert_eq!(s.revision, 42);
    assert_eq!(s.options.api_keys_without_role, rolegate_core::model::ApiKeysWithoutRole::Deny);
    assert_eq!(s.workflows.len(), 1);
    // A previous snapshot of another workspace is refused.
    let mut other = base;
    other.workspace_id = "00000000-0000-4000-8000-000000000000".into();
    let e = run(&recorded(), &Options { previous: Some(other), ..opts() }).unwrap_err();
    assert_eq!(e.path(), "--previous");
}

/// Imports answers changed by `edit`, expecting an error.
fn broken(edit: impl FnOnce(&mut Recorded)) -> Error {
    let mut r = recorded();
    edit(&mut r);
    match run(&r, &opts()) {
        Ok(_) => panic!("must be refused, but it imported"),
        Err(e) => e,
    }
}

fn role_index(r: &Recorded, label: &str) -> usize {
    r.roles["data"]["getRoles"].as_array().unwrap().iter().position(|x| x["label"] == label).unwrap()
}

fn object_index(r: &Recorded, name: &str) -> usize {
    r.objects["data"]["objects"]["edges"].as_array().unwrap().iter().position(|e| e["node"]["nameSingular"] == name).unwrap()
}

#[test]
fn what_cannot_be_mapped_is_an_error_naming_it() {
    // A field rule on a field that is not in objects.json.
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["fieldPermissions"][0]["fieldMetadataId"] = json!("11111111-2222-4333-8444-555555555555");
    });
    assert_eq!(e.code(), codes::FIELD_METADATA_NOT_FOUND);
    assert!(
        e.path().starts_with("roles.json:data.getRoles[") && e.path().ends_with("].fieldPermissions[0].fieldMetadataId"),
        "{}",
        e.path()
    );
    assert!(e.issues[0].message.contains("Intern") && e.issues[0].message.contains("11111111-2222"), "{}", e.issues[0].message);

    // An object rule on an unknown object.
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["objectPermissions"][0]["objectMetadataId"] = json!("nope");
    });
    assert_eq!(e.code(), codes::OBJECT_METADATA_NOT_FOUND);

    // A field rule whose field belongs to another object.
    let e = broken(|r| {
        let i = role_index(r, "Finance");
        let other = r.roles["data"]["getRoles"][i]["fieldPermissions"][2]["fieldMetadataId"].clone();
        r.roles["data"]["getRoles"][i]["fieldPermissions"][0]["fieldMetadataId"] = other;
    });
    assert_eq!(e.code(), codes::FIELD_METADATA_NOT_FOUND);
    assert!(e.issues[0].message.contains("person.phones"), "{}", e.issues[0].message);

    // A flag rolegate does not know.
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["permissionFlags"][0]["flag"] = json!("ADMIN_PANEL");
    });
    assert_eq!(e.code(), codes::INVALID_SETTING);
    assert!(e.issues[0].message.contains("ADMIN_PANEL"));

    // Row-level predicates cannot be expressed: refusing beats granting more than Twenty.
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["rowLevelPermissionPredicates"] = json!([{"id": "p1", "objectMetadataId": "x"}]);
    });
    assert!(e.path().ends_with(".rowLevelPermissionPredicates"), "{}", e.path());

    // A polymorphic relation, an unknown field type, a ONE_TO_ONE relation.
    for (ty, needle) in [("MORPH_RELATION", "MORPH_RELATION"), ("GEOGRAPHY", "GEOGRAPHY")] {
        let e = broken(|r| {
            let o = object_index(r, "invoice");
            r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"][5]["type"] = json!(ty);
        });
        assert_eq!(e.code(), codes::INVALID_ARG);
        assert!(e.path().starts_with("objects.json:data.objects.edges[") && e.path().ends_with("fieldsList[5].type"), "{}", e.path());
        assert!(e.issues[0].message.contains(needle) && e.issues[0].message.contains("invoice."), "{}", e.issues[0].message);
    }
    let e = broken(|r| {
        let o = object_index(r, "invoice");
        let fl = r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"].as_array_mut().unwrap();
        let f = fl.iter_mut().find(|f| f["name"] == "company").unwrap();
        f["relation"]["type"] = json!("ONE_TO_ONE");
    });
    assert!(e.issues[0].message.contains("ONE_TO_ONE"));

    // A relation to an object that is not in the answer.
    let e = broken(|r| {
        let o = object_index(r, "invoice");
        let fl = r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"].as_array_mut().unwrap();
        let f = fl.iter_mut().find(|f| f["name"] == "company").unwrap();
        f["relation"]["targetObjectMetadata"]["id"] = json!("gone");
    });
    assert_eq!(e.code(), codes::OBJECT_METADATA_NOT_FOUND);

    // A page of several: never import a part of the schema.
    let e = broken(|r| r.objects["data"]["objects"]["pageInfo"]["hasNextPage"] = json!(true));
    assert!(e.path().ends_with("pageInfo.hasNextPage"), "{}", e.path());

    // Twenty's own errors are reported.
    let e = broken(|r| r.roles = json!({"data": null, "errors": [{"message": "Forbidden resource"}]}));
    assert!(e.issues[0].message.contains("Forbidden resource"), "{}", e.issues[0].message);

    // A required boolean left out of the query.
    let e = broken(|r| {
        r.roles["data"]["getRoles"][0].as_object_mut().unwrap().remove("canAccessAllTools");
    });
    assert_eq!(e.path(), "roles.json:data.getRoles[0].canAccessAllTools");

    // No currentWorkspace: the workspace and default role are unknown, both reported.
    let e = broken(|r| {
        r.roles["data"].as_object_mut().unwrap().remove("currentWorkspace");
    });
    assert!(e.has_code(codes::DEFAULT_ROLE_NOT_FOUND) && e.issues.iter().any(|i| i.message.contains("workspace id")), "{e:?}");

    // Two candidates for Admin.
    let e = broken(|r| {
        let i = role_index(r, "Member");
        r.roles["data"]["getRoles"][i]["label"] = json!("Admin");
        r.roles["data"]["getRoles"][i]["isEditable"] = json!(false);
    });
    assert!(e.has_code(codes::ADMIN_ROLE_NOT_FOUND), "{e:?}");

    // One member under two roles.
    let e = broken(|r| {
        let a = role_index(r, "Intern");
        let b = role_index(r, "Finance");
        let m = r.roles["data"]["getRoles"][a]["workspaceMembers"][0].clone();
        r.roles["data"]["getRoles"][b]["workspaceMembers"].as_array_mut().unwrap().push(m);
    });
    assert!(e.issues[0].message.contains("two roles"), "{}", e.issues[0].message);

    // An API key whose role differs between the two answers.
    let e = broken(|r| {
        let member = r.roles["data"]["getRoles"][role_index(r, "Member")]["id"].clone();
        r.api_keys["data"]["apiKeys"][0]["role"]["id"] = member;
    });
    assert!(e.issues[0].message.contains("different moments"), "{}", e.issues[0].message);

    // Several problems are all reported at once.
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["permissionFlags"][0]["flag"] = json!("NOPE");
        r.roles["data"]["getRoles"][i]["objectPermissions"][0]["objectMetadataId"] = json!("nope");
    });
    assert!(e.issues.len() >= 2, "{e:?}");
}

#[test]
fn options_override_the_answers_and_members_without_a_role_are_kept() {
    let mut r = recorded();
    r.roles["data"].as_object_mut().unwrap().remove("currentWorkspace");
    let o = Options { workspace_id: Some("ws-1".into()), default_role: Some("Member".into()), admin_role: Some("Admin".into()), ..opts() };
    let mut extra = r.members.clone();
    extra["data"]["workspaceMembers"]["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({"node": {"id": "m-new", "name": {"firstName": "New", "lastName": ""}, "userEmail": "new@acme.example"}}));
    r.members = extra;
    let out = run(&r, &o).unwrap();
    assert_eq!(out.snapshot.workspace_id, "ws-1");
    let m = out.snapshot.members.iter().find(|m| m.id == "m-new").unwrap();
    assert_eq!((m.name.as_str(), m.role_id.as_ref()), ("New", None));
    assert!(out.notes.iter().any(|n| n.contains("holds no role")), "{:?}", out.notes);
    let e = run(&r, &Options { default_role: Some("Nobody".into()), ..o }).unwrap_err();
    assert_eq!((e.code(), e.path()), (codes::DEFAULT_ROLE_NOT_FOUND, "--default-role"));
}

// --- diff -------------------------------------------------------------------------------

fn changed(ops: &[Value]) -> (Policy, Policy) {
    let old = fixture();
    let mut new = old.clone();
    for op in ops {
        let op: Operation = serde_json::from_value(op.clone()).unwrap();
        new = apply(&new, &op).unwrap();
    }
    (Policy::compile(old).unwrap(), Policy::compile(new).unwrap())
}

#[test]
fn diff_names_gains_and_losses_in_plain_words() {
    let (old, new) = changed(&[
        json!({"op": "upsertFieldPermissions", "roleId": "intern", "rows": [{"object": "person", "field": "address", "canRead": null, "canUpdate": null}]}),
        json!({"op": "upsertObjectPermissions", "roleId": "intern", "rows": [{"object": "person", "canUpdate": false}]}),
    ]);
    let d = diff(&old, &new, NOW);
    let lines = d.lines();
    assert!(lines.contains(&"Intern gains: read person.address".to_string()), "{lines:#?}");
    // The object-level loss is reported once, with the fields that could not be updated anyway.
    let loss = lines.iter().find(|l| l.starts_with("Intern loses: update person")).expect("object-level loss");
    assert!(loss.contains("emails") && loss.contains("already denied"), "{loss}");
    assert!(lines.contains(&"API key Zapier gains: read person.address".to_string()), "{lines:#?}");
    assert!(lines.contains(&"Workspace member Bob Kahn gains: read person.address".to_string()), "{lines:#?}");
    assert!(d.widens && d.gains > 0 && d.losses > 0);
    // Roles that did not change are not listed.
    assert!(!d.subjects.iter().any(|s| s.kind == Kind::Role && s.id == "admin"));
}

#[test]
fn diff_narrowing_only_does_not_widen_and_same_snapshot_is_empty() {
    let (old, new) =
        changed(&[json!({"op": "upsertObjectPermissions", "roleId": "integration", "rows": [{"object": "company", "canUpdate": false}]})]);
    let d = diff(&old, &new, NOW);
    assert!(!d.widens, "{:#?}", d.lines());
    assert!(d.lines().iter().any(|l| l.starts_with("Integration loses: update company")), "{:#?}", d.lines());
    assert!(d.lines().iter().any(|l| l.starts_with("API key Data warehouse sync loses: update company")));
    let same = diff(&old, &old, NOW);
    assert!(same.subjects.is_empty() && same.workspace.is_empty() && !same.widens);
}

#[test]
fn diff_reports_new_principals_revocations_reassignments_and_schema() {
    let (old, new) = changed(&[
        json!({"op": "revokeApiKey", "apiKeyId": "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f", "at": "2026-01-01T00:00:00Z"}),
        json!({"op": "assignRole", "target": {"member": "m-erin"}, "roleId": "member"}),
        json!({"op": "setPermissionFlags", "roleId": "intern", "flags": ["EXPORT_CSV", "IMPORT_CSV"]}),
    ]);
    let d = diff(&old, &new, NOW);
    let lines = d.lines();
    assert!(lines.contains(&"API key Zapier: now revoked (was active)".to_string()), "{lines:#?}");
    assert!(lines.contains(&"API key Zapier loses: read person (address, searchVector were already denied)".to_string()), "{lines:#?}");
    assert!(lines.contains(&"API key Zapier loses: read company".to_string()), "{lines:#?}");
    assert!(lines.contains(&"Workspace member Erin Catto: role Intern → Member".to_string()), "{lines:#?}");
    assert!(lines.contains(&"Intern gains: flag IMPORT_CSV".to_string()), "{lines:#?}");
    assert!(lines.contains(&"Workspace member Erin Catto gains: read opportunity".to_string()), "{lines:#?}");

    // A new API key is all gains; a new object appears in the workspace notes.
    let mut s = fixture();
    s.api_keys.push(rolegate_core::model::ApiKey {
        id: "k-new".into(),
        name: "New key".into(),
        role_id: Some("intern".into()),
        expires_at: None,
        revoked_at: None,
    });
    let newer = imported();
    let d = diff(&Policy::compile(fixture()).unwrap(), &Policy::compile(s).unwrap(), NOW);
    assert!(d.widens);
    assert!(d.lines().contains(&"API key New key: added".to_string()));
    let d = diff(&Policy::compile(fixture()).unwrap(), &Policy::compile(newer).unwrap(), NOW);
    assert!(d.workspace.contains(&"object invoice added".to_string()), "{:?}", d.workspace);
    assert!(d.workspace.contains(&"field company.invoices added".to_string()), "{:?}", d.workspace);
}

// --- who-can ----------------------------------------------------------------------------

#[test]
fn who_can_lists_exactly_those_allowed_with_the_deciding_level() {
    let p = Policy::compile(fixture()).unwrap();
    let w = who_can(&p, &Query::Op { object: "person".into(), field: Some("address".into()), op: Op::Read }, NOW).unwrap();
    let ids: Vec<&str> = w.allowed.iter().map(|h| h.id.as_str()).collect();
    // Every listed one is allowed, every other one is not.
    for r in &p.snapshot().roles {
        let s = p.resolve(&Principal::Role(r.id.clone()), NOW).unwrap();
        assert_eq!(p.check(&s, "person", Some("address"), Op::Read).unwrap(), ids.contains(&r.id.as_str()), "role {}", r.id);
    }
    assert!(!ids.contains(&"intern") && !ids.contains(&"m-bob") && !ids.contains(&"5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f"));
    assert!(!ids.contains(&"c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e60"), "the revoked key");
    assert!(!ids.contains(&"agent-research"), "the agent without a role");
    let admin = w.allowed.iter().find(|h| h.id == "admin").unwrap();
    assert_eq!(admin.level, "allObjects");
    assert_eq!(
        w.considered,
        p.snapshot().roles.len() + p.snapshot().members.len() + p.snapshot().api_keys.len() + p.snapshot().agents.len()
    );

    let w = who_can(&p, &Query::Op { object: "opportunity".into(), field: None, op: Op::SoftDelete }, NOW).unwrap();
    let agent = w.allowed.iter().find(|h| h.id == "agent-sales").expect("the sales agent's object rule grants it");
    assert_eq!(agent.level, "objectRule");

    let w = who_can(&p, &Query::Flag(Flag::parse("EXPORT_CSV").unwrap()), NOW).unwrap();
    let level = |id: &str| w.allowed.iter().find(|h| h.id == id).map(|h| h.level.clone());
    assert_eq!(level("intern").as_deref(), Some("flag"));
    assert_eq!(level("member").as_deref(), Some("allTools"));
    assert_eq!(level("sales-agent"), None);
    let w = who_can(&p, &Query::Flag(Flag::parse("ROLES").unwrap()), NOW).unwrap();
    assert_eq!(w.allowed.iter().find(|h| h.id == "admin").map(|h| h.level.as_str()), Some("allSettings"));

    let e = who_can(&p, &Query::Op { object: "persn".into(), field: None, op: Op::Read }, NOW).unwrap_err();
    assert_eq!(e.code(), codes::OBJECT_METADATA_NOT_FOUND);
    // soft delete and destroy are object-level in Twenty: a field with them is a mistake, not a question
    for op in [Op::SoftDelete, Op::Destroy] {
        let e = who_can(&p, &Query::Op { object: "person".into(), field: Some("address".into()), op }, NOW).unwrap_err();
        assert_eq!(e.code(), codes::INVALID_ARG);
        assert_eq!(e.path(), "field");
        assert!(e.to_string().contains("per object"), "{e}");
    }
}

// --- hostile answers --------------------------------------------------------------------

/// Every path in `v`, as a list of keys and indexes.
fn value_paths(v: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(at.clone());
    let mut child = |k: Value, x: &Value| {
        let mut p = at.clone();
        p.push(k);
        value_paths(x, p, out);
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| child(json!(k), x)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| child(json!(i), x)),
        _ => {}
    }
}

fn slot<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |cur, k| match k {
        Value::String(s) => &mut cur[s.as_str()],
        k => &mut cur[k.as_u64().unwrap() as usize],
    })
}

#[test]
fn a_wrong_type_anywhere_in_the_answers_is_an_error_or_ignored_never_a_panic() {
    let base = recorded();
    let mut panics = Vec::new();
    for (fi, file) in ["objects.json", "roles.json", "api-keys.json", "members.json"].into_iter().enumerate() {
        let original = [&base.objects, &base.roles, &base.api_keys, &base.members][fi];
        let mut paths = Vec::new();
        value_paths(original, vec![], &mut paths);
        // roles.json: the roles with members, API keys, an agent, and every kind of rule.
        if file == "roles.json" {
            let with: Vec<Value> =
                ["Intern", "Sales agent", "Integration", "Finance"].iter().map(|l| json!(role_index(&base, l))).collect();
            paths.retain(|p| p.len() < 3 || p[1] != "getRoles" || with.contains(&p[2]));
        }
        // objects.json is large: its envelope, and the custom object with an implicit, a plain,
        // a composite and a relation field.
        if file == "objects.json" {
            let invoice = json!(object_index(&base, "invoice"));
            paths.retain(|p| p.len() < 4 || (p[3] == invoice && (p.len() < 7 || [0, 4, 5, 13].contains(&p[6].as_u64().unwrap_or(99)))));
        }
        for p in paths {
            for wrong in [json!(7), json!("x"), json!({}), json!([1]), json!(null)] {
                let mut changed = original.clone();
                let s = slot(&mut changed, &p);
                if std::mem::discriminant(s) == std::mem::discriminant(&wrong) {
                    continue;
                }
                *s = wrong.clone();
                let [o, r, k, m] =
                    [0, 1, 2, 3].map(|i| if i == fi { &changed } else { [&base.objects, &base.roles, &base.api_keys, &base.members][i] });
                let answers = Answers { objects: o, roles: r, api_keys: Some(k), members: Some(m) };
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| import(&answers, &opts()))).is_err() {
                    panics.push(format!("{file} {p:?} = {wrong}"));
                }
            }
        }
    }
    assert!(panics.is_empty(), "{} panics, e.g. {:#?}", panics.len(), &panics[..panics.len().min(10)]);
}

#[test]
fn a_role_target_with_a_wrong_type_is_an_error_at_its_path() {
    let e = broken(|r| {
        let i = role_index(r, "Integration");
        r.roles["data"]["getRoles"][i]["apiKeys"][0]["name"] = json!(7);
    });
    assert!(e.path().ends_with("].apiKeys[0].name"), "{e:?}");
    let e = broken(|r| {
        let i = role_index(r, "Intern");
        r.roles["data"]["getRoles"][i]["workspaceMembers"][0]["name"]["firstName"] = json!(7);
    });
    assert!(e.path().ends_with("].workspaceMembers[0].name.firstName"), "{e:?}");
}

#[test]
fn a_wrong_type_where_the_mapping_looks_is_an_error_at_its_path_never_ignored() {
    fn field_of<'a>(r: &'a mut Recorded, object: &str, field: &str) -> &'a mut Value {
        let o = object_index(r, object);
        let fl = r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"].as_array_mut().unwrap();
        fl.iter_mut().find(|f| f["name"] == field).unwrap()
    }
    type Edit = Box<dyn Fn(&mut Recorded)>;
    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            Box::new(|r| r.objects["data"]["objects"]["pageInfo"]["hasNextPage"] = json!("true")),
            "objects.json:data.objects.pageInfo.hasNextPage",
            "true, false",
        ),
        (Box::new(|r| r.objects["data"]["objects"]["pageInfo"] = json!(7)), "objects.json:data.objects.pageInfo", "object"),
        (
            Box::new(|r| r.members["data"]["workspaceMembers"]["pageInfo"]["hasNextPage"] = json!(1)),
            "members.json:data.workspaceMembers.pageInfo.hasNextPage",
            "true, false",
        ),
        (
            Box::new(|r| r.members["data"]["workspaceMembers"]["edges"][0]["node"]["name"] = json!("Ada Lovelace")),
            "members.json:data.workspaceMembers.edges[0].node.name",
            "object",
        ),
        (
            Box::new(|r| {
                let i = role_index(r, "Admin");
                r.roles["data"]["getRoles"][i]["workspaceMembers"][0]["name"] = json!(["Ada"]);
            }),
            ".workspaceMembers[0].name",
            "object",
        ),
        (
            Box::new(|r| field_of(r, "invoice", "company")["relation"]["targetObjectMetadata"]["id"] = json!(7)),
            ".relation.targetObjectMetadata.id",
            "string",
        ),
        (
            Box::new(|r| field_of(r, "invoice", "company")["relation"]["targetObjectMetadata"]["nameSingular"] = json!(true)),
            ".relation.targetObjectMetadata.nameSingular",
            "string",
        ),
        (Box::new(|r| field_of(r, "invoice", "company")["settings"]["joinColumnName"] = json!(7)), ".settings.joinColumnName", "string"),
        (Box::new(|r| field_of(r, "invoice", "company")["settings"] = json!("companyId")), ".settings", "object"),
        (Box::new(|r| r.roles["errors"] = json!("Forbidden resource")), "roles.json:errors", "list"),
        (Box::new(|r| r.roles["data"]["currentWorkspace"] = json!("ws")), "roles.json:data.currentWorkspace", "object"),
        (Box::new(|r| r.roles["data"]["currentWorkspace"]["id"] = json!(7)), "roles.json:data.currentWorkspace.id", "string"),
        (
            Box::new(|r| r.roles["data"]["currentWorkspace"]["defaultRole"]["id"] = json!(7)),
            "roles.json:data.currentWorkspace.defaultRole.id",
            "string",
        ),
        (
            Box::new(|r| r.roles["data"]["currentWorkspace"]["defaultRole"] = json!("Member")),
            "roles.json:data.currentWorkspace.defaultRole",
            "object",
        ),
        (Box::new(|r| r.roles["data"]["getRoles"][0] = json!(7)), "roles.json:data.getRoles[0]", "object"),
        (
            Box::new(|r| r.objects["data"]["objects"]["edges"][0]["node"] = json!("person")),
            "objects.json:data.objects.edges[0].node",
            "object",
        ),
    ];
    let mut wrong = Vec::new();
    for (edit, path, needle) in cases {
        let mut r = recorded();
        edit(&mut r);
        match run(&r, &opts()) {
            Ok(_) => wrong.push(format!("{path}: accepted")),
            Err(e) if !e.issues.iter().any(|i| i.path.ends_with(path) && i.message.contains(needle)) => {
                wrong.push(format!("{path}: {:?}", e.issues))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn an_object_without_is_system_is_refused_not_taken_for_a_regular_object() {
    // A system object read as a regular one would follow the all-objects defaults instead of
    // Twenty's "system objects are allowed unless a rule says otherwise".
    let mut r = recorded();
    let o = object_index(&r, "attachment");
    r.objects["data"]["objects"]["edges"][o]["node"].as_object_mut().unwrap().remove("isSystem");
    let e = run(&r, &opts()).expect_err("isSystem is required");
    assert!(e.path().ends_with(&format!("edges[{o}].node.isSystem")), "{:?}", e.issues);
}

#[test]
fn diff_counts_a_workflow_whose_role_widens() {
    // An agent inside "Weekly pipeline digest" gets its own role ∧ the workflow's: moving the
    // workflow from Intern to Member widens what the sales agent may do there.
    let old = fixture();
    let mut new = old.clone();
    new.revision += 1;
    new.workflows.iter_mut().find(|w| w.id == "wf-digest").unwrap().role_id = Some("member".into());
    let (po, pn) = (Policy::compile(old.clone()).unwrap(), Policy::compile(new.clone()).unwrap());
    let inside = Principal::AgentInWorkflow { agent: "agent-sales".into(), workflow: "wf-digest".into() };
    assert!(!view(&po, &inside).objects["company"].can_update && view(&pn, &inside).objects["company"].can_update);
    let d = diff(&po, &pn, NOW);
    let lines = d.lines();
    assert!(d.widens, "{lines:#?}");
    assert!(lines.contains(&"Workflow Weekly pipeline digest: role Intern → Member".to_string()), "{lines:#?}");
    assert!(lines.contains(&"Workflow Weekly pipeline digest gains: update company".to_string()), "{lines:#?}");
    let wf = d.subjects.iter().find(|s| s.kind == Kind::Workflow).unwrap();
    assert_eq!(serde_json::to_value(wf).unwrap()["kind"], "workflow");
    // A workflow without a role may do nothing: giving it one is all gains, taking it all losses.
    let mut none = old.clone();
    none.workflows.iter_mut().find(|w| w.id == "wf-digest").unwrap().role_id = None;
    let d = diff(&Policy::compile(none.clone()).unwrap(), &po, NOW);
    assert!(d.widens && d.lines().contains(&"Workflow Weekly pipeline digest: role none → Intern".to_string()), "{:#?}", d.lines());
    let d = diff(&po, &Policy::compile(none).unwrap(), NOW);
    assert!(!d.widens && d.losses > 0, "{:#?}", d.lines());
}

#[test]
fn an_api_key_without_a_role_in_one_answer_and_with_one_in_the_other_is_refused() {
    // roles.json lists Zapier under Intern; api-keys.json saying it has no role is an answer
    // from another moment, not something to settle silently either way.
    let e = broken(|r| r.api_keys["data"]["apiKeys"][0]["role"] = json!(null));
    assert!(e.path() == "api-keys.json:data.apiKeys[0].role" && e.issues[0].message.contains("different moments"), "{e:?}");
    // Without a role key at all (an older query), the role targets decide.
    let mut r = recorded();
    r.api_keys["data"]["apiKeys"][0].as_object_mut().unwrap().remove("role");
    let s = run(&r, &opts()).unwrap().snapshot;
    assert_eq!(
        s.api_keys.iter().find(|k| k.name == "Zapier").unwrap().role_id,
        s.roles.iter().find(|x| x.label == "Intern").map(|x| x.id.clone())
    );
}

#[test]
fn a_field_id_used_twice_is_refused() {
    // Rules name fields by id: a duplicated id would silently map them to one of the two.
    let e = broken(|r| {
        let o = object_index(r, "invoice");
        let fl = &mut r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"];
        fl[5]["id"] = fl[4]["id"].clone();
    });
    assert!(e.path().ends_with("fieldsList[5].id") && e.issues[0].message.contains("twice"), "{e:?}");
}

#[test]
fn implicit_fields_left_out_are_said_so() {
    let notes = run(&recorded(), &opts()).unwrap().notes;
    assert!(notes.iter().any(|n| n.contains("implicit fields") && n.contains("14 objects")), "{notes:#?}");
}

#[test]
fn diff_words_for_no_role_and_options_are_the_snapshot_words() {
    let old = fixture();
    let mut new = old.clone();
    new.options.api_keys_without_role = rolegate_core::model::ApiKeysWithoutRole::Deny;
    new.api_keys.iter_mut().find(|k| k.name == "Zapier").unwrap().role_id = None;
    let d = diff(&Policy::compile(old).unwrap(), &Policy::compile(new).unwrap(), NOW);
    let lines = d.lines();
    assert!(lines.contains(&"Workspace: options.apiKeysWithoutRole defaultRole → deny".to_string()), "{lines:#?}");
    assert!(lines.contains(&"API key Zapier: role Intern → none".to_string()), "{lines:#?}");
}

#[test]
fn diff_of_two_workspaces_says_so() {
    let old = fixture();
    let mut new = old.clone();
    new.workspace_id = "00000000-0000-4000-8000-000000000000".into();
    let d = diff(&Policy::compile(old.clone()).unwrap(), &Policy::compile(new).unwrap(), NOW);
    assert!(
        d.workspace.iter().any(|w| w.contains(&old.workspace_id) && w.contains("00000000-0000-4000-8000-000000000000")),
        "{:?}",
        d.workspace
    );
}

#[test]
fn twenty_permission_errors_say_what_to_check() {
    // Twenty answers a missing settings permission with HTTP 200 and a FORBIDDEN GraphQL error.
    let e = broken(|r| r.roles = json!({"data": null, "errors": [{"message": "Forbidden resource", "extensions": {"code": "FORBIDDEN"}}]}));
    assert!(e.issues[0].message.contains("Forbidden resource") && e.issues[0].message.contains("settings permissions"), "{e:?}");
    let e = broken(|r| r.objects = json!({"errors": [{"message": "Token invalid.", "extensions": {"code": "UNAUTHENTICATED"}}]}));
    assert!(e.issues[0].message.contains("Token invalid.") && e.issues[0].message.contains("API key valid"), "{e:?}");
}

#[test]
fn rules_that_set_nothing_join_columns_and_grants_of_every_operation() {
    let mut r = recorded();
    let fin = role_index(&r, "Finance");
    let invoice = r.objects["data"]["objects"]["edges"][object_index(&r, "invoice")]["node"]["id"].clone();
    let person = r.objects["data"]["objects"]["edges"][object_index(&r, "person")]["node"]["id"].clone();
    let phones = r.roles["data"]["getRoles"][fin]["fieldPermissions"][2].clone();
    assert_eq!(phones["objectMetadataId"], person);
    // Finance: destroy granted on invoice; an all-null object rule and field rule.
    let ops = r.roles["data"]["getRoles"][fin]["objectPermissions"].as_array_mut().unwrap();
    let inv = ops.iter_mut().find(|p| p["objectMetadataId"] == invoice).unwrap();
    inv["canDestroyObjectRecords"] = json!(true);
    ops.push(json!({"objectMetadataId": person, "canReadObjectRecords": null, "canUpdateObjectRecords": null, "canSoftDeleteObjectRecords": null, "canDestroyObjectRecords": null}));
    let mut empty = phones.clone();
    empty["canReadFieldValue"] = json!(null);
    empty["canUpdateFieldValue"] = json!(null);
    empty["fieldMetadataId"] = json!(field_id(&r, "person", "jobTitle"));
    r.roles["data"]["getRoles"][fin]["fieldPermissions"].as_array_mut().unwrap().push(empty);
    // A legacy UUID field that is the join column of invoice.company.
    let o = object_index(&r, "invoice");
    r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "legacy-company-id", "name": "companyId", "type": "UUID", "isActive": true, "isSystem": true}));
    let out = run(&r, &opts()).unwrap();
    let s = &out.snapshot;
    let f = s.roles.iter().find(|x| x.label == "Finance").unwrap();
    assert_eq!(f.object_permissions.iter().find(|p| p.object == "invoice").unwrap().can_destroy, Some(true));
    assert!(!f.object_permissions.iter().any(|p| p.object == "person"), "{:?}", f.object_permissions);
    assert!(!f.field_permissions.iter().any(|p| p.field == "jobTitle"), "{:?}", f.field_permissions);
    assert!(s.object("invoice").unwrap().field("companyId").is_none());
    for needle in
        ["object rule on \"person\" sets nothing", "field rule on \"person.jobTitle\" sets nothing", "invoice.companyId: the join column"]
    {
        assert!(out.notes.iter().any(|n| n.contains(needle)), "{needle}: {:#?}", out.notes);
    }
    let p = Policy::compile(s.clone()).unwrap();
    let subj = p.resolve(&Principal::Role(f.id.clone()), NOW).unwrap();
    assert!(p.check(&subj, "invoice", None, Op::Destroy).unwrap());
}

fn field_id(r: &Recorded, object: &str, field: &str) -> Value {
    let o = object_index(r, object);
    r.objects["data"]["objects"]["edges"][o]["node"]["fieldsList"].as_array().unwrap().iter().find(|f| f["name"] == field).unwrap()["id"]
        .clone()
}

#[test]
fn rules_the_snapshot_refuses_are_reported_at_their_place_in_the_answers() {
    // Well-typed but invalid: a field rule that grants, a role that cannot read but whose object
    // rule grants update. Found when the mapped snapshot is validated; reported in roles.json.
    let mut r = recorded();
    let (fin, intern) = (role_index(&r, "Finance"), role_index(&r, "Intern"));
    r.roles["data"]["getRoles"][fin]["fieldPermissions"][0]["canReadFieldValue"] = json!(true);
    r.roles["data"]["getRoles"][intern]["canReadAllObjectRecords"] = json!(false);
    let o = object_index(&r, "invoice");
    r.objects["data"]["objects"]["edges"][o]["node"]["namePlural"] = json!("people");
    let e = run(&r, &opts()).unwrap_err();
    let at = |code: &str| e.issues.iter().find(|i| i.code == code).unwrap_or_else(|| panic!("{code}: {:?}", e.issues));
    let i = at(codes::ONLY_FIELD_RESTRICTION_ALLOWED);
    assert_eq!(i.path, format!("roles.json:data.getRoles[{fin}]"));
    assert!(i.message.contains("roles[") && i.message.contains("fieldPermissions[0].canRead"), "{}", i.message);
    assert!(e.issues.iter().any(|i| i.path == format!("roles.json:data.getRoles[{intern}]")), "{:?}", e.issues);
    assert!(e.issues.iter().any(|i| i.path == format!("objects.json:data.objects.edges[{o}].node")), "{:?}", e.issues);
}

#[test]
fn diff_of_a_renamed_role_does_not_say_its_holders_changed_role() {
    let (old, new) = changed(&[json!({"op": "updateRole", "roleId": "intern", "changes": {"label": "Trainee"}})]);
    let d = diff(&old, &new, NOW);
    let lines = d.lines();
    assert!(lines.contains(&"Trainee: renamed from Intern".to_string()), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("role Intern → Trainee")), "{lines:#?}");
    assert!(!d.widens && d.gains == 0 && d.losses == 0, "{lines:#?}");
}

#[test]
fn diff_counts_a_key_that_now_expires_later_as_widening() {
    // Access that lasts longer is wider, even if nothing differs today.
    let old = fixture();
    assert!(old.api_keys.iter().find(|k| k.name == "Zapier").unwrap().expires_at.is_some());
    let mut later = old.clone();
    later.api_keys.iter_mut().find(|k| k.name == "Zapier").unwrap().expires_at = Some("2199-01-01T00:00:00Z".into());
    let mut never = old.clone();
    never.api_keys.iter_mut().find(|k| k.name == "Zapier").unwrap().expires_at = None;
    let p = |s: &Snapshot| Policy::compile(s.clone()).unwrap();
    for (new, words) in [(&later, "expires later"), (&never, "no longer expires")] {
        let d = diff(&p(&old), &p(new), NOW);
        assert!(d.widens, "{:#?}", d.lines());
        assert!(d.lines().iter().any(|l| l.starts_with("API key Zapier: ") && l.contains(words)), "{:#?}", d.lines());
        // The other way round narrows.
        let back = diff(&p(new), &p(&old), NOW);
        assert!(!back.widens && back.lines().iter().any(|l| l.starts_with("API key Zapier: ")), "{:#?}", back.lines());
    }
    let mut same = old.clone();
    same.api_keys.iter_mut().find(|k| k.name == "Zapier").unwrap().expires_at = Some("2030-01-01T00:00:00.000Z".into());
    let mut same_later = same.clone();
    same_later.api_keys.iter_mut().find(|k| k.name == "Zapier").unwrap().expires_at = Some("2030-01-01T00:00:00Z".into());
    let d = diff(&p(&same), &p(&same_later), NOW);
    assert!(d.subjects.is_empty() && !d.widens, "the same instant: {:#?}", d.lines());
}
