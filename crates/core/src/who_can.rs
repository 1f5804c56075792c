//! `who-can`: every role, member, API key and agent able to do one thing (an operation on an
//! object or field, or a permission flag), with the level that decided it.

use crate::diff::Kind;
use crate::error::{codes, Error};
use crate::explain::{explain_subject, Level};
use crate::flags::{Flag, FlagKind};
use crate::policy::{Policy, Subject};
use crate::principal::Principal;
use crate::{Op, Result};
use serde::Serialize;

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Op { object: String, field: Option<String>, op: Op },
    Flag(Flag),
}

impl Query {
    pub fn words(&self) -> String {
        match self {
            Query::Op { object, field: Some(f), op } => format!("{} {object}.{f}", op.as_str()),
            Query::Op { object, field: None, op } => format!("{} {object}", op.as_str()),
            Query::Flag(f) => format!("flag {}", f.key()),
        }
    }
}

/// One role or principal that may do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    pub principal: Principal,
    /// The deciding level: an explain level (`allObjects`, `objectRule`, ...) or, for flags,
    /// `allSettings`, `allTools`, `flag` or `intersection`.
    pub level: String,
    /// The role(s) through which it is allowed.
    pub roles: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCan {
    pub workspace_id: String,
    pub revision: u64,
    pub query: String,
    pub allowed: Vec<Holder>,
    /// How many roles and principals were asked (allowed or not).
    pub considered: usize,
}

fn flag_decision(policy: &Policy, subject: &Subject, flag: Flag) -> (bool, String, String) {
    let roles = policy.subject_roles(subject);
    let mut levels = Vec::new();
    for rid in &roles {
        let Some(r) = policy.snapshot().role(rid) else { continue };
        let level = match flag.kind() {
            FlagKind::Settings if r.can_update_all_settings => Some(("allSettings", format!("role \"{rid}\" has canUpdateAllSettings"))),
            FlagKind::Tool if r.can_access_all_tools => Some(("allTools", format!("role \"{rid}\" has canAccessAllTools"))),
            _ if r.permission_flags.iter().any(|f| f == flag.key()) => Some(("flag", format!("role \"{rid}\" lists {}", flag.key()))),
            _ => None,
        };
        levels.push(level);
    }
    let allowed = policy.has_flag(subject, flag);
    match levels.as_slice() {
        [Some((l, reason))] if allowed => (true, l.to_string(), reason.clone()),
        many if allowed && many.len() > 1 => {
            let reasons: Vec<String> = many.iter().flatten().map(|(_, r)| r.clone()).collect();
            (true, "intersection".into(), format!("every role grants it: {}", reasons.join("; ")))
        }
        _ => (false, String::new(), String::new()),
    }
}

/// Asks every role (as `{"role": R}`), member, API key and agent of the snapshot.
pub fn who_can(policy: &Policy, query: &Query, now: i64) -> Result<WhoCan> {
    if let Query::Op { object, field, op } = query {
        policy.resolve_names(object, field.as_deref())?;
        // Twenty decides soft delete and destroy per object; a field there would be answered at
        // object level while reading as if it were a field's answer.
        if let (Some(f), Op::SoftDelete | Op::Destroy) = (field, op) {
            return Err(Error::one(
                codes::INVALID_ARG,
                "field",
                format!("{} is decided per object, not per field: ask about \"{object}\" without the field \"{f}\"", op.as_str()),
            ));
        }
    }
    let s = policy.snapshot();
    let mut asked: Vec<(Kind, &str, &str, Principal)> = Vec::new();
    for r in &s.roles {
        asked.push((Kind::Role, &r.id, &r.label, Principal::Role(r.id.clone())));
    }
    for m in &s.members {
        asked.push((Kind::Member, &m.id, &m.name, Principal::Member(m.id.clone())));
    }
    for k in &s.api_keys {
        asked.push((Kind::ApiKey, &k.id, &k.name, Principal::ApiKey(k.id.clone())));
    }
    for a in &s.agents {
        asked.push((Kind::Agent, &a.id, &a.name, Principal::Agent(a.id.clone())));
    }
    let mut allowed = Vec::new();
    for (kind, id, name, principal) in &asked {
        let subject = policy.resolve(principal, now).map_err(|e| {
            Error::one(codes::INTERNAL, "", format!("{principal} is in the snapshot but does not resolve: {}", e.issues[0].message))
        })?;
        let (ok, level, reason) = match query {
            Query::Flag(f) => flag_decision(policy, &subject, *f),
            Query::Op { object, field, op } => {
                let e = explain_subject(policy, principal, &subject, object, field.as_deref(), *op)?;
                (e.allowed, level_str(e.level).to_string(), e.reason)
            }
        };
        if ok {
            allowed.push(Holder {
                kind: *kind,
                id: id.to_string(),
                name: name.to_string(),
                principal: principal.clone(),
                level,
                roles: policy.subject_roles(&subject).into_iter().map(String::from).collect(),
                reason,
            });
        }
    }
    Ok(WhoCan { workspace_id: s.workspace_id.clone(), revision: s.revision, query: query.words(), allowed, considered: asked.len() })
}

fn level_str(l: Level) -> &'static str {
    l.as_str()
}
