//! Generators for benchmarks: a large workspace and a ~1 MB list of person records.
#![allow(dead_code)]

use rolegate_core::model::*;
use serde_json::{json, Value};

/// `roles` roles × `objects` objects × `fields` fields; 10 % of (role, object) pairs carry an
/// object rule and 10 % of (role, field) pairs a field rule; `keys` API keys, 1,000 members.
pub fn large_snapshot(roles: usize, objects: usize, fields: usize, keys: usize) -> Snapshot {
    let mut objs: Vec<ObjectMeta> = (0..objects)
        .map(|i| ObjectMeta {
            name_singular: format!("object{i}"),
            name_plural: format!("objects{i}"),
            is_system: i % 10 == 9,
            label_identifier_field: Some("f0".into()),
            fields: (0..fields)
                .map(|j| FieldMeta { name: format!("f{j}"), field_type: if j % 5 == 1 { "EMAILS" } else { "TEXT" }.into(), relation: None })
                .collect(),
        })
        .collect();
    for i in (0..objects.saturating_sub(1)).step_by(2) {
        let (a, b) = (format!("object{i}"), format!("object{}", i + 1));
        objs[i].fields.push(FieldMeta {
            name: "parent".into(),
            field_type: "RELATION".into(),
            relation: Some(Relation {
                kind: RelationKind::ManyToOne,
                target: b.clone(),
                inverse: "children".into(),
                join_column: Some("parentId".into()),
            }),
        });
        objs[i + 1].fields.push(FieldMeta {
            name: "children".into(),
            field_type: "RELATION".into(),
            relation: Some(Relation { kind: RelationKind::OneToMany, target: a, inverse: "parent".into(), join_column: None }),
        });
    }
    let mk = |id: String, label: String| Role {
        id,
        label,
        is_editable: true,
        can_update_all_settings: false,
        can_access_all_tools: true,
        can_read_all_object_records: true,
        can_update_all_object_records: true,
        can_soft_delete_all_object_records: true,
        can_destroy_all_object_records: false,
        can_be_assigned_to_users: true,
        can_be_assigned_to_agents: true,
        can_be_assigned_to_api_keys: true,
        permission_flags: vec![],
        object_permissions: vec![],
        field_permissions: vec![],
    };
    let mut admin = mk("admin".into(), "Admin".into());
    admin.is_editable = false;
    admin.can_update_all_settings = true;
    admin.can_destroy_all_object_records = true;
    admin.can_be_assigned_to_agents = false;
    let mut rs = vec![admin];
    for r in 1..roles {
        let mut role = mk(format!("role{r}"), format!("Role {r}"));
        role.can_update_all_object_records = r % 3 != 0;
        role.permission_flags = vec!["EXPORT_CSV".into(), "WORKFLOWS".into()];
        for (o, obj) in objs.iter().enumerate() {
            if (o + r) % 10 == 0 {
                let sys = obj.is_system;
                role.object_permissions.push(ObjectPermission {
                    object: format!("object{o}"),
                    can_read: Some(r % 2 == 0),
                    can_update: Some(false),
                    can_soft_delete: if r % 2 == 0 && !sys { None } else { Some(false) },
                    can_destroy: Some(false),
                });
            }
            if obj.is_system {
                continue;
            }
            for f in 0..fields {
                if (f + o + r) % 10 == 0 {
                    role.field_permissions.push(FieldPermission {
                        object: format!("object{o}"),
                        field: format!("f{f}"),
                        can_read: if f % 2 == 0 { Some(false) } else { None },
                        can_update: Some(false),
                    });
                }
            }
        }
        rs.push(role);
    }
    let members = (0..1000)
        .map(|i| Member {
            id: format!("member{i}"),
            name: format!("Member {i}"),
            role_id: Some(if i == 0 { "admin".into() } else { format!("role{}", 1 + i % (roles - 1)) }),
        })
        .collect();
    let api_keys = (0..keys)
        .map(|i| ApiKey {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            name: format!("key {i}"),
            role_id: Some(format!("role{}", 1 + i % (roles - 1))),
            expires_at: Some("2099-01-01T00:00:00Z".into()),
            revoked_at: if i % 100 == 0 { Some("2020-01-01T00:00:00Z".into()) } else { None },
        })
        .collect();
    Snapshot {
        format: FORMAT.into(),
        workspace_id: "bench".into(),
        revision: 1,
        admin_role_id: "admin".into(),
        default_role_id: "role1".into(),
        options: Options::default(),
        objects: objs,
        roles: rs,
        members,
        api_keys,
        agents: vec![],
        workflows: vec![],
    }
}

fn person(i: usize) -> Value {
    json!({
        "id": format!("20202020-0000-4000-8000-{i:012}"),
        "createdAt": "2026-01-02T03:04:05.000Z", "updatedAt": "2026-01-02T03:04:05.000Z", "deletedAt": null,
        "name": {"firstName": format!("First{i}"), "lastName": format!("Last{i}")},
        "emails": {"primaryEmail": format!("person{i}@example.com"), "additionalEmails": []},
        "linkedinLink": {"primaryLinkUrl": format!("https://linkedin.com/in/p{i}"), "primaryLinkLabel": "", "secondaryLinks": []},
        "jobTitle": "Engineer",
        "phones": {"primaryPhoneNumber": "5550100", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1", "additionalPhones": []},
        "city": "Paris",
        "address": {"addressStreet1": "1 rue de Rivoli", "addressStreet2": null, "addressCity": "Paris", "addressState": null, "addressCountry": "France", "addressPostcode": "75001", "addressLat": 48.85, "addressLng": 2.35},
        "avatarUrl": "",
        "position": i,
        "createdBy": {"source": "API", "workspaceMemberId": null, "name": "Zapier", "context": {}},
        "companyId": format!("20202020-1111-4000-8000-{:012}", i % 50),
        "company": {
            "id": format!("20202020-1111-4000-8000-{:012}", i % 50), "name": format!("Company {}", i % 50),
            "domainName": {"primaryLinkUrl": "https://example.com", "primaryLinkLabel": "", "secondaryLinks": []},
            "employees": 120, "annualRecurringRevenue": {"amountMicros": 1200000000, "currencyCode": "USD"},
            "accountOwnerId": null, "createdAt": "2026-01-02T03:04:05.000Z", "updatedAt": "2026-01-02T03:04:05.000Z", "deletedAt": null
        },
        "pointOfContactForOpportunities": [
            {"id": format!("20202020-2222-4000-8000-{i:012}"), "name": "Renewal", "amount": {"amountMicros": 5000000000i64, "currencyCode": "USD"}, "stage": "PROPOSAL", "companyId": null, "pointOfContactId": null}
        ]
    })
}

/// A JSON array of person records with depth-1 relations, at least `min_bytes` long.
pub fn people_json(min_bytes: usize) -> Vec<u8> {
    let mut items = Vec::new();
    let mut size = 2;
    let mut i = 0;
    while size < min_bytes {
        let p = person(i);
        size += serde_json::to_vec(&p).unwrap().len() + 1;
        items.push(p);
        i += 1;
    }
    serde_json::to_vec(&Value::Array(items)).unwrap()
}
