//! Property tests: a deliberately naive evaluator written straight from the contract's prose
//! (§2) against the compiled policy, on random valid snapshots, for every principal, object,
//! field and op; snapshot JSON round trip; management operations keep snapshots valid.

use proptest::prelude::*;
use rolegate_core::model::*;
use rolegate_core::ops::{apply, Operation};
use rolegate_core::{validate, Flag, Op, Policy, Principal};
use serde_json::json;

// ---------------------------------------------------------------- the naive evaluator

/// The roles a principal uses, or None when it may do nothing (contract §2 table).
fn naive_roles<'a>(s: &'a Snapshot, p: &Principal, now: i64) -> Option<Vec<&'a Role>> {
    let role = |id: &Option<String>| id.as_ref().and_then(|r| s.roles.iter().find(|x| &x.id == r));
    let member = |m: &str| s.members.iter().find(|x| x.id == m).and_then(|x| role(&x.role_id));
    let agent = |a: &str| s.agents.iter().find(|x| x.id == a).and_then(|x| role(&x.role_id));
    match p {
        Principal::Role(r) => s.roles.iter().find(|x| &x.id == r).map(|r| vec![r]),
        Principal::Member(m) => member(m).map(|r| vec![r]),
        Principal::ApiKey(k) => {
            let key = s.api_keys.iter().find(|x| &x.id == k)?;
            if key.revoked_at.is_some() {
                return None;
            }
            if let Some(e) = &key.expires_at {
                if now >= parse_timestamp(e).unwrap() {
                    return None;
                }
            }
            match role(&key.role_id) {
                Some(r) => Some(vec![r]),
                None if s.options.api_keys_without_role == ApiKeysWithoutRole::DefaultRole => {
                    role(&Some(s.default_role_id.clone())).map(|r| vec![r])
                }
                None => None,
            }
        }
        Principal::Agent(a) => agent(a).map(|r| vec![r]),
        Principal::AgentInWorkflow { agent: a, workflow: w } => {
            let wr = s.workflows.iter().find(|x| &x.id == w).and_then(|x| role(&x.role_id));
            Some(vec![agent(a)?, wr?])
        }
        Principal::AgentOnBehalfOf { agent: a, member: m } => Some(vec![agent(a)?, member(m)?]),
    }
}

fn naive_flag(role: &Role, flag: &str) -> bool {
    let is_settings = Flag::parse(flag).unwrap().kind() == rolegate_core::FlagKind::Settings;
    (is_settings && role.can_update_all_settings)
        || (!is_settings && role.can_access_all_tools)
        || role.permission_flags.iter().any(|f| f == flag)
}

/// "Per object, per role" paragraph of §2.
fn naive_object(role: &Role, o: &ObjectMeta, op: Op) -> bool {
    let name = o.name_singular.as_str();
    if ["workflow", "workflowRun", "workflowVersion"].contains(&name) {
        return role.can_update_all_settings || naive_flag(role, "WORKFLOWS");
    }
    if name == "workspaceMember" {
        return op == Op::Read || role.can_update_all_settings || naive_flag(role, "WORKSPACE_MEMBERS");
    }
    let rule = role.object_permissions.iter().find(|r| r.object == name);
    let rule_value = rule.and_then(|r| match op {
        Op::Read => r.can_read,
        Op::Update => r.can_update,
        Op::SoftDelete => r.can_soft_delete,
        Op::Destroy => r.can_destroy,
    });
    let all = match op {
        Op::Read => role.can_read_all_object_records,
        Op::Update => role.can_update_all_object_records,
        Op::SoftDelete => role.can_soft_delete_all_object_records,
        Op::Destroy => role.can_destroy_all_object_records,
    };
    let v = match rule_value {
        Some(v) => v,
        None if o.is_system => true,
        None => all,
    };
    if name == "agentChatThread" {
        return v && (role.can_access_all_tools || role.permission_flags.iter().any(|f| f == "AI"));
    }
    v
}

/// "Per field" paragraph of §2.
fn naive_field(role: &Role, o: &ObjectMeta, field: &str, op: Op) -> bool {
    if matches!(op, Op::SoftDelete | Op::Destroy) {
        return naive_object(role, o, op);
    }
    let workflow = ["workflow", "workflowRun", "workflowVersion"].contains(&o.name_singular.as_str());
    let rule = if workflow || IMPLICIT_FIELDS.contains(&field) {
        None
    } else {
        role.field_permissions.iter().find(|r| r.object == o.name_singular && r.field == field)
    };
    let label = o.label_identifier_field.as_deref() == Some(field);
    let can_read = naive_object(role, o, Op::Read) && (label || rule.is_none_or(|r| r.can_read != Some(false)));
    match op {
        Op::Read => can_read,
        _ => naive_object(role, o, Op::Update) && rule.is_none_or(|r| r.can_update != Some(false)) && can_read,
    }
}

fn naive(s: &Snapshot, p: &Principal, now: i64, object: &str, field: Option<&str>, op: Op) -> bool {
    let o = s.object(object).unwrap();
    match naive_roles(s, p, now) {
        None => false,
        Some(roles) => roles.iter().all(|r| match field {
            Some(f) => naive_field(r, o, f, op),
            None => naive_object(r, o, op),
        }),
    }
}

fn naive_has_flag(s: &Snapshot, p: &Principal, now: i64, flag: &str) -> bool {
    naive_roles(s, p, now).is_some_and(|roles| roles.iter().all(|r| naive_flag(r, flag)))
}

// ---------------------------------------------------------------- random snapshots

const OBJECTS: &[(&str, &str, bool)] = &[
    ("person", "people", false),
    ("company", "companies", false),
    ("attachment", "attachments", true),
    ("workspaceMember", "workspaceMembers", true),
    ("workflow", "workflows", false),
    ("workflowVersion", "workflowVersions", true),
    ("agentChatThread", "agentChatThreads", true),
    ("invoice", "invoices", false),
];

fn tri() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![Just(None), Just(Some(true)), Just(Some(false))]
}
fn restriction() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![Just(None), Just(Some(false))]
}

#[derive(Debug, Clone)]
struct RoleSeed {
    all: [bool; 4],
    settings: bool,
    tools: bool,
    flags: Vec<usize>,
    rules: Vec<(usize, [Option<bool>; 4])>,
    field_rules: Vec<(usize, usize, Option<bool>, Option<bool>)>,
}

fn role_seed() -> impl Strategy<Value = RoleSeed> {
    (
        any::<[bool; 4]>(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(0usize..26, 0..4),
        proptest::collection::vec((0usize..OBJECTS.len(), [tri(), tri(), tri(), tri()]), 0..5),
        proptest::collection::vec((0usize..OBJECTS.len(), 0usize..5, restriction(), restriction()), 0..6),
    )
        .prop_map(|(all, settings, tools, flags, rules, field_rules)| RoleSeed { all, settings, tools, flags, rules, field_rules })
}

#[derive(Debug, Clone)]
struct SnapSeed {
    field_counts: Vec<usize>,
    labels: Vec<Option<usize>>,
    roles: Vec<RoleSeed>,
    members: Vec<usize>,
    agents: Vec<Option<usize>>,
    workflows: Vec<Option<usize>>,
    keys: Vec<(Option<usize>, bool, u8)>,
    deny_keys: bool,
}

fn snap_seed() -> impl Strategy<Value = SnapSeed> {
    (
        proptest::collection::vec(1usize..5, OBJECTS.len()),
        proptest::collection::vec(proptest::option::of(0usize..5), OBJECTS.len()),
        proptest::collection::vec(role_seed(), 1..5),
        proptest::collection::vec(0usize..6, 0..4),
        proptest::collection::vec(proptest::option::of(0usize..6), 0..3),
        proptest::collection::vec(proptest::option::of(0usize..6), 0..3),
        proptest::collection::vec((proptest::option::of(0usize..6), any::<bool>(), 0u8..3), 0..4),
        any::<bool>(),
    )
        .prop_map(|(field_counts, labels, roles, members, agents, workflows, keys, deny_keys)| SnapSeed {
            field_counts,
            labels,
            roles,
            members,
            agents,
            workflows,
            keys,
            deny_keys,
        })
}

fn build(seed: &SnapSeed) -> Snapshot {
    let mut objects: Vec<ObjectMeta> = OBJECTS
        .iter()
        .enumerate()
        .map(|(i, (s, p, sys))| {
            let n = seed.field_counts[i];
            ObjectMeta {
                name_singular: s.to_string(),
                name_plural: p.to_string(),
                is_system: *sys,
                label_identifier_field: seed.labels[i].filter(|l| *l < n).map(|l| format!("f{l}")),
                fields: (0..n).map(|j| FieldMeta { name: format!("f{j}"), field_type: "TEXT".into(), relation: None }).collect(),
            }
        })
        .collect();
    // one relation pair: person.company <-> company.people
    objects[0].fields.push(FieldMeta {
        name: "company".into(),
        field_type: "RELATION".into(),
        relation: Some(Relation {
            kind: RelationKind::ManyToOne,
            target: "company".into(),
            inverse: "people".into(),
            join_column: Some("companyId".into()),
        }),
    });
    objects[1].fields.push(FieldMeta {
        name: "people".into(),
        field_type: "RELATION".into(),
        relation: Some(Relation { kind: RelationKind::OneToMany, target: "person".into(), inverse: "company".into(), join_column: None }),
    });
    let base_role = |id: &str, all: bool| Role {
        id: id.into(),
        label: id.to_uppercase(),
        is_editable: id != "admin",
        can_update_all_settings: all,
        can_access_all_tools: id == "member" || all,
        can_read_all_object_records: true,
        can_update_all_object_records: true,
        can_soft_delete_all_object_records: true,
        can_destroy_all_object_records: true,
        can_be_assigned_to_users: true,
        can_be_assigned_to_agents: id != "admin",
        can_be_assigned_to_api_keys: true,
        permission_flags: vec![],
        object_permissions: vec![],
        field_permissions: vec![],
    };
    let mut roles = vec![base_role("admin", true), base_role("member", false)];
    for (i, r) in seed.roles.iter().enumerate() {
        let mut role = base_role(&format!("r{i}"), false);
        role.can_update_all_settings = r.settings;
        role.can_access_all_tools = r.tools;
        role.can_read_all_object_records = r.all[0];
        role.can_update_all_object_records = r.all[0] && r.all[1];
        role.can_soft_delete_all_object_records = r.all[0] && r.all[2];
        role.can_destroy_all_object_records = r.all[0] && r.all[3];
        let mut flags: Vec<String> = r.flags.iter().map(|&f| rolegate_core::flags::FLAGS[f].0.to_string()).collect();
        flags.sort();
        flags.dedup();
        role.permission_flags = flags;
        for (oi, vals) in &r.rules {
            let o = &objects[*oi];
            if role.object_permissions.iter().any(|x| x.object == o.name_singular) {
                continue;
            }
            let mut rule = ObjectPermission {
                object: o.name_singular.clone(),
                can_read: vals[0],
                can_update: vals[1],
                can_soft_delete: vals[2],
                can_destroy: vals[3],
            };
            // keep it valid: a rule whose resolved read is false denies every write explicitly
            let resolved = |v: Option<bool>, all: bool| v.unwrap_or(if o.is_system { true } else { all });
            if !resolved(rule.can_read, role.can_read_all_object_records) {
                if resolved(rule.can_update, role.can_update_all_object_records) {
                    rule.can_update = Some(false);
                }
                if resolved(rule.can_soft_delete, role.can_soft_delete_all_object_records) {
                    rule.can_soft_delete = Some(false);
                }
                if resolved(rule.can_destroy, role.can_destroy_all_object_records) {
                    rule.can_destroy = Some(false);
                }
            }
            role.object_permissions.push(rule);
        }
        for (oi, fi, cr, cu) in &r.field_rules {
            let o = &objects[*oi];
            if o.is_system || (cr.is_none() && cu.is_none()) {
                continue;
            }
            let f = &o.fields[fi % o.fields.len()].name;
            if role.field_permissions.iter().any(|x| x.object == o.name_singular && &x.field == f) {
                continue;
            }
            role.field_permissions.push(FieldPermission {
                object: o.name_singular.clone(),
                field: f.clone(),
                can_read: *cr,
                can_update: *cu,
            });
        }
        roles.push(role);
    }
    let pick = |i: usize| roles[i % roles.len()].id.clone();
    let pick_agent = |i: usize| {
        let id = pick(i);
        if id == "admin" {
            "member".to_string()
        } else {
            id
        }
    };
    let mut members = vec![Member { id: "m-admin".into(), name: "Admin".into(), role_id: Some("admin".into()) }];
    members.extend(seed.members.iter().enumerate().map(|(i, r)| Member {
        id: format!("m{i}"),
        name: format!("M{i}"),
        role_id: Some(pick(*r)),
    }));
    let agents = seed
        .agents
        .iter()
        .enumerate()
        .map(|(i, r)| Agent { id: format!("a{i}"), name: format!("A{i}"), role_id: r.map(pick_agent) })
        .collect();
    let workflows = seed
        .workflows
        .iter()
        .enumerate()
        .map(|(i, r)| Workflow { id: format!("w{i}"), name: format!("W{i}"), role_id: r.map(pick) })
        .collect();
    let api_keys = seed
        .keys
        .iter()
        .enumerate()
        .map(|(i, (r, revoked, exp))| ApiKey {
            id: format!("k{i}"),
            name: format!("K{i}"),
            role_id: r.map(pick),
            expires_at: match exp {
                0 => None,
                1 => Some("2001-01-01T00:00:00Z".into()),
                _ => Some("2099-01-01T00:00:00Z".into()),
            },
            revoked_at: revoked.then(|| "2020-01-01T00:00:00Z".into()),
        })
        .collect();
    Snapshot {
        format: FORMAT.into(),
        workspace_id: "ws".into(),
        revision: 1,
        admin_role_id: "admin".into(),
        default_role_id: "member".into(),
        options: Options { api_keys_without_role: if seed.deny_keys { ApiKeysWithoutRole::Deny } else { ApiKeysWithoutRole::DefaultRole } },
        objects,
        roles,
        members,
        api_keys,
        agents,
        workflows,
    }
}

fn principals(s: &Snapshot) -> Vec<Principal> {
    let mut out: Vec<Principal> = s.roles.iter().map(|r| Principal::Role(r.id.clone())).collect();
    out.extend(s.members.iter().map(|m| Principal::Member(m.id.clone())));
    out.extend(s.api_keys.iter().map(|k| Principal::ApiKey(k.id.clone())));
    for a in &s.agents {
        out.push(Principal::Agent(a.id.clone()));
        for w in &s.workflows {
            out.push(Principal::AgentInWorkflow { agent: a.id.clone(), workflow: w.id.clone() });
        }
        for m in &s.members {
            out.push(Principal::AgentOnBehalfOf { agent: a.id.clone(), member: m.id.clone() });
        }
    }
    out
}

const NOW: i64 = 1_780_272_000;

fn assert_agrees(s: &Snapshot) -> Result<(), TestCaseError> {
    let policy = Policy::compile(s.clone()).map_err(|e| TestCaseError::fail(format!("invalid generated snapshot: {e}")))?;
    for p in principals(s) {
        let subject = policy.resolve(&p, NOW).unwrap();
        for o in &s.objects {
            let oid = policy.object_id(&o.name_singular).unwrap();
            let fields: Vec<String> =
                o.fields.iter().map(|f| f.name.clone()).chain(IMPLICIT_FIELDS.iter().map(|f| f.to_string())).collect();
            for op in Op::ALL {
                let want = naive(s, &p, NOW, &o.name_singular, None, op);
                prop_assert_eq!(policy.can_object(&subject, oid, op), want, "{} {} {:?}", p, o.name_singular, op);
                let ex = rolegate_core::explain::explain(&policy, &p, NOW, &o.name_singular, None, op).unwrap();
                prop_assert_eq!(ex.allowed, want, "explain {} {} {:?}", p, o.name_singular, op);
                for f in &fields {
                    let want = naive(s, &p, NOW, &o.name_singular, Some(f), op);
                    let fid = policy.field_id(oid, f).unwrap();
                    prop_assert_eq!(policy.can_field(&subject, oid, fid, op), want, "{} {}.{} {:?}", p, o.name_singular, f, op);
                    let ex = rolegate_core::explain::explain(&policy, &p, NOW, &o.name_singular, Some(f), op).unwrap();
                    prop_assert_eq!(ex.allowed, want, "explain {} {}.{} {:?}", p, o.name_singular, f, op);
                }
            }
        }
        for flag in Flag::all() {
            prop_assert_eq!(policy.has_flag(&subject, flag), naive_has_flag(s, &p, NOW, flag.key()), "{} {}", p, flag.key());
        }
    }
    Ok(())
}

fn random_operation() -> impl Strategy<Value = serde_json::Value> {
    let role = prop_oneof![Just("member"), Just("r0"), Just("r1"), Just("admin"), Just("ghost")];
    let object = prop_oneof![Just("person"), Just("company"), Just("attachment"), Just("workflow"), Just("invoice"), Just("nope")];
    let field = prop_oneof![Just("f0"), Just("f1"), Just("company"), Just("people"), Just("id")];
    let tri_json = prop_oneof![Just(json!(null)), Just(json!(true)), Just(json!(false))];
    prop_oneof![
        (role.clone(), object.clone(), tri_json.clone(), tri_json.clone(), tri_json.clone())
            .prop_map(|(r, o, a, b, c)| json!({"op": "upsertObjectPermissions", "roleId": r, "rows": [{"object": o, "canRead": a, "canUpdate": b, "canDestroy": c}]})),
        (role.clone(), object.clone(), field, tri_json.clone(), tri_json)
            .prop_map(|(r, o, f, a, b)| json!({"op": "upsertFieldPermissions", "roleId": r, "rows": [{"object": o, "field": f, "canRead": a, "canUpdate": b}]})),
        (role.clone(), proptest::collection::vec(0usize..27, 0..3)).prop_map(|(r, fl)| {
            let flags: Vec<&str> = fl.iter().map(|&i| rolegate_core::flags::FLAGS.get(i).map(|f| f.0).unwrap_or("EXPORT_PDF")).collect();
            json!({"op": "setPermissionFlags", "roleId": r, "flags": flags})
        }),
        (role.clone(), any::<bool>(), any::<bool>()).prop_map(|(r, a, b)| json!({"op": "updateRole", "roleId": r, "changes": {"canReadAllObjectRecords": a, "canUpdateAllObjectRecords": b}})),
        role.clone().prop_map(|r| json!({"op": "deleteRole", "roleId": r})),
        role.clone().prop_map(|r| json!({"op": "setDefaultRole", "roleId": r})),
        (role, 0usize..3).prop_map(|(r, m)| json!({"op": "assignRole", "target": {"member": format!("m{m}")}, "roleId": r})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn compiled_policy_matches_naive_evaluator(seed in snap_seed()) {
        let s = build(&seed);
        prop_assert!(validate(&s).is_empty(), "{:?}", validate(&s));
        assert_agrees(&s)?;
    }

    #[test]
    fn snapshot_json_round_trip(seed in snap_seed()) {
        let s = build(&seed);
        let text = serde_json::to_string(&s).unwrap();
        let back = Snapshot::from_json(&text).unwrap();
        prop_assert_eq!(&back, &s);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    #[test]
    fn operations_keep_snapshots_valid(seed in snap_seed(), ops in proptest::collection::vec(random_operation(), 1..5)) {
        let mut s = build(&seed);
        for op in ops {
            let op = Operation::from_value(&op).unwrap();
            let before = s.clone();
            match apply(&s, &op) {
                Ok(next) => {
                    prop_assert!(validate(&next).is_empty());
                    prop_assert_eq!(next.revision, before.revision + 1);
                    s = next;
                }
                Err(e) => {
                    prop_assert!(!e.issues.is_empty());
                    prop_assert!(e.issues.iter().all(|i| !i.message.is_empty()));
                    prop_assert_eq!(&s, &before);
                }
            }
        }
        assert_agrees(&s)?;
    }
}
