//! The effective view (contract §3): everything a principal may do, fully resolved.

use crate::flags::Flag;
use crate::model::VIEW_FORMAT;
use crate::policy::{Policy, Subject};
use crate::principal::{Principal, Status};
use crate::Op;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct View {
    pub format: String,
    pub workspace_id: String,
    pub revision: u64,
    pub principal: Principal,
    pub status: Status,
    pub roles: Vec<String>,
    pub objects: IndexMap<String, ObjectView>,
    pub permission_flags: IndexMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectView {
    pub can_read: bool,
    pub can_update: bool,
    pub can_soft_delete: bool,
    pub can_destroy: bool,
    pub fields: IndexMap<String, FieldView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldView {
    pub can_read: bool,
    pub can_update: bool,
}

impl ObjectView {
    pub fn get(&self, op: Op) -> bool {
        match op {
            Op::Read => self.can_read,
            Op::Update => self.can_update,
            Op::SoftDelete => self.can_soft_delete,
            Op::Destroy => self.can_destroy,
        }
    }
}

/// Builds the view of a resolved subject. Objects and fields in schema order (implicit fields
/// after declared ones), every known flag.
pub fn effective_view(policy: &Policy, principal: &Principal, subject: &Subject) -> View {
    let mut objects = IndexMap::with_capacity(policy.objects().len());
    for (i, o) in policy.objects().iter().enumerate() {
        let oid = crate::ObjectId(i as u32);
        let mut fields = IndexMap::with_capacity(o.fields.len());
        for fid in o.field_ids() {
            fields.insert(
                o.field(fid).name.to_string(),
                FieldView {
                    can_read: policy.can_field(subject, oid, fid, Op::Read),
                    can_update: policy.can_field(subject, oid, fid, Op::Update),
                },
            );
        }
        objects.insert(
            o.name.to_string(),
            ObjectView {
                can_read: policy.can_object(subject, oid, Op::Read),
                can_update: policy.can_object(subject, oid, Op::Update),
                can_soft_delete: policy.can_object(subject, oid, Op::SoftDelete),
                can_destroy: policy.can_object(subject, oid, Op::Destroy),
                fields,
            },
        );
    }
    let permission_flags = Flag::all().map(|f| (f.key().to_string(), policy.has_flag(subject, f))).collect();
    View {
        format: VIEW_FORMAT.to_string(),
        workspace_id: policy.workspace_id().to_string(),
        revision: policy.revision(),
        principal: principal.clone(),
        status: subject.status(),
        roles: policy.subject_roles(subject).into_iter().map(String::from).collect(),
        objects,
        permission_flags,
    }
}
