//! `diff`: what every role and every principal gains and loses between two snapshots, per
//! object, field and flag, computed from the effective views (contract §3) of both sides.
//!
//! Roles are matched by id, members, API keys, agents and workflows by id. A workflow is
//! compared through its role: an agent running inside it gets at most that (the intersection
//! with its own role), so a workflow whose role widens widens what agents may do there. A side
//! where a role or principal does not exist counts as "may do nothing", so a new API key is all
//! gains and a removed role all losses. A change of an object-level permission is reported once for the
//! object, with the fields that do not follow it listed as exceptions; field changes under an
//! unchanged object permission are reported one by one.

use crate::flags::Flag;
use crate::policy::Policy;
use crate::principal::{Principal, Status};
use crate::view::{effective_view, View};
use crate::Op;
use serde::Serialize;

/// What kind of subject a [`SubjectDiff`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Role,
    Member,
    ApiKey,
    Agent,
    Workflow,
}

impl Kind {
    /// How a subject is named in plain words: roles by their label alone.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Role => "",
            Kind::Member => "Workspace member ",
            Kind::ApiKey => "API key ",
            Kind::Agent => "Agent ",
            Kind::Workflow => "Workflow ",
        }
    }
}

/// One permission gained or lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `read`, `update`, `softDelete`, `destroy`, or `flag`.
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// For an object-level change: the fields that did not change with it (still denied after
    /// a gain, already denied before a loss).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

impl Change {
    /// `read person.address`, `update opportunity (except amount)` for a gain, `read person
    /// (address was already denied)` for a loss, `flag EXPORT_CSV`.
    pub fn words(&self, gain: bool) -> String {
        match (&self.flag, &self.object, &self.field) {
            (Some(f), _, _) => format!("flag {f}"),
            (_, Some(o), Some(f)) => format!("{} {o}.{f}", self.op),
            (_, Some(o), None) if self.except.is_empty() => format!("{} {o}", self.op),
            (_, Some(o), None) if gain => format!("{} {o} (except {})", self.op, self.except.join(", ")),
            (_, Some(o), None) => {
                let verb = if self.except.len() == 1 { "was" } else { "were" };
                format!("{} {o} ({} {verb} already denied)", self.op, self.except.join(", "))
            }
            _ => self.op.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectDiff {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// Facts that explain the changes: added, removed, role changed, revoked, ...
    pub notes: Vec<String>,
    pub gains: Vec<Change>,
    pub losses: Vec<Change>,
    /// True when this subject gains anything, or (an API key) keeps its access for longer.
    pub widens: bool,
}

impl SubjectDiff {
    /// `Intern`, `API key Zapier`, ...
    pub fn title(&self) -> String {
        format!("{}{}", self.kind.prefix(), self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub workspace_id: String,
    pub old_revision: u64,
    pub new_revision: u64,
    /// Workspace-wide changes: schema, default and Admin role, options.
    pub workspace: Vec<String>,
    /// Every role and principal with a change (in the new snapshot's order, removed ones last).
    pub subjects: Vec<SubjectDiff>,
    pub gains: usize,
    pub losses: usize,
    /// True when anything was gained, or an API key's access now lasts longer (a later or no
    /// expiry): a deploy gate fails on it.
    pub widens: bool,
}

/// Who is compared: kind, id, name, principal (`None`: a workflow without a role, which may do
/// nothing), the role held as (id, label) for notes.
struct Who {
    kind: Kind,
    id: String,
    name: String,
    principal: Option<Principal>,
    role: Option<(String, String)>,
    /// API keys: `expiresAt` (`None`: never expires).
    expires_at: Option<String>,
}

fn role_label(p: &Policy, id: &Option<String>) -> Option<(String, String)> {
    id.as_ref().map(|r| (r.clone(), p.snapshot().role(r).map(|x| x.label.clone()).unwrap_or_else(|| r.clone())))
}

fn subjects(p: &Policy) -> Vec<Who> {
    let s = p.snapshot();
    let mut out = Vec::new();
    for r in &s.roles {
        out.push(Who {
            kind: Kind::Role,
            id: r.id.clone(),
            name: r.label.clone(),
            principal: Some(Principal::Role(r.id.clone())),
            role: None,
            expires_at: None,
        });
    }
    for m in &s.members {
        out.push(Who {
            kind: Kind::Member,
            id: m.id.clone(),
            name: m.name.clone(),
            principal: Some(Principal::Member(m.id.clone())),
            role: role_label(p, &m.role_id),
            expires_at: None,
        });
    }
    for k in &s.api_keys {
        out.push(Who {
            kind: Kind::ApiKey,
            id: k.id.clone(),
            name: k.name.clone(),
            principal: Some(Principal::ApiKey(k.id.clone())),
            role: role_label(p, &k.role_id),
            expires_at: k.expires_at.clone(),
        });
    }
    for a in &s.agents {
        out.push(Who {
            kind: Kind::Agent,
            id: a.id.clone(),
            name: a.name.clone(),
            principal: Some(Principal::Agent(a.id.clone())),
            role: role_label(p, &a.role_id),
            expires_at: None,
        });
    }
    for w in &s.workflows {
        let principal = w.role_id.clone().map(Principal::Role);
        out.push(Who {
            kind: Kind::Workflow,
            id: w.id.clone(),
            name: w.name.clone(),
            principal,
            role: role_label(p, &w.role_id),
            expires_at: None,
        });
    }
    out
}

fn view_of(p: &Policy, w: &Who, now: i64) -> Option<View> {
    let principal = w.principal.as_ref()?;
    let subject = p.resolve(principal, now).ok()?;
    Some(effective_view(p, principal, &subject))
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Revoked => "revoked",
        Status::Expired => "expired",
        Status::NoRole => "without a role",
    }
}

const OPS: [Op; 4] = [Op::Read, Op::Update, Op::SoftDelete, Op::Destroy];

fn object_names<'a>(old: Option<&'a View>, new: Option<&'a View>) -> Vec<&'a str> {
    let mut names: Vec<&str> = new.map(|v| v.objects.keys().map(String::as_str).collect()).unwrap_or_default();
    if let Some(o) = old {
        for k in o.objects.keys() {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
    }
    names
}

fn obj_op(v: Option<&View>, object: &str, op: Op) -> bool {
    v.and_then(|v| v.objects.get(object)).is_some_and(|o| o.get(op))
}

fn field_op(v: Option<&View>, object: &str, field: &str, op: Op) -> bool {
    v.and_then(|v| v.objects.get(object)).and_then(|o| o.fields.get(field)).is_some_and(|f| match op {
        Op::Read => f.can_read,
        _ => f.can_update,
    })
}

fn field_names<'a>(old: Option<&'a View>, new: Option<&'a View>, object: &str) -> Vec<&'a str> {
    let mut names: Vec<&str> =
        new.and_then(|v| v.objects.get(object)).map(|o| o.fields.keys().map(String::as_str).collect()).unwrap_or_default();
    if let Some(o) = old.and_then(|v| v.objects.get(object)) {
        for k in o.fields.keys() {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
    }
    names
}

/// Gains and losses between two views of one subject (`None`: the subject does not exist).
pub fn compare_views(old: Option<&View>, new: Option<&View>) -> (Vec<Change>, Vec<Change>) {
    let (mut gains, mut losses) = (Vec::new(), Vec::new());
    let change = |op: Op, object: &str, field: Option<&str>, except: Vec<String>| Change {
        op: op.as_str(),
        object: Some(object.to_string()),
        field: field.map(String::from),
        flag: None,
        except,
    };
    for object in object_names(old, new) {
        for op in OPS {
            let (o, n) = (obj_op(old, object, op), obj_op(new, object, op));
            let has_fields = matches!(op, Op::Read | Op::Update);
            if o != n {
                // The object-level change; fields that did not follow it are exceptions.
                let except = if has_fields {
                    field_names(old, new, object)
                        .into_iter()
                        .filter(|f| field_op(old, object, f, op) == field_op(new, object, f, op))
                        .map(String::from)
                        .collect()
                } else {
                    Vec::new()
                };
                if n { &mut gains } else { &mut losses }.push(change(op, object, None, except));
            } else if has_fields && (o || n) {
                for f in field_names(old, new, object) {
                    let (fo, fnew) = (field_op(old, object, f, op), field_op(new, object, f, op));
                    if fo != fnew {
                        if fnew { &mut gains } else { &mut losses }.push(change(op, object, Some(f), Vec::new()));
                    }
                }
            }
        }
    }
    for flag in Flag::all() {
        let key = flag.key();
        let get = |v: Option<&View>| v.and_then(|v| v.permission_flags.get(key).copied()).unwrap_or(false);
        let (o, n) = (get(old), get(new));
        if o != n {
            let c = Change { op: "flag", object: None, field: None, flag: Some(key.to_string()), except: Vec::new() };
            if n { &mut gains } else { &mut losses }.push(c);
        }
    }
    (gains, losses)
}

fn schema_changes(old: &Policy, new: &Policy) -> Vec<String> {
    let (o, n) = (old.snapshot(), new.snapshot());
    let mut out = Vec::new();
    if o.workspace_id != n.workspace_id {
        out.push(format!("workspace {} → {} (two different workspaces: ids are matched as they are)", o.workspace_id, n.workspace_id));
    }
    for obj in &n.objects {
        match o.object(&obj.name_singular) {
            None => out.push(format!("object {} added", obj.name_singular)),
            Some(prev) => {
                for f in &obj.fields {
                    match prev.field(&f.name) {
                        None => out.push(format!("field {}.{} added", obj.name_singular, f.name)),
                        Some(pf) if pf.field_type != f.field_type => {
                            out.push(format!("field {}.{} changed type {} → {}", obj.name_singular, f.name, pf.field_type, f.field_type))
                        }
                        _ => {}
                    }
                }
                for f in &prev.fields {
                    if obj.field(&f.name).is_none() {
                        out.push(format!("field {}.{} removed", obj.name_singular, f.name));
                    }
                }
            }
        }
    }
    for obj in &o.objects {
        if n.object(&obj.name_singular).is_none() {
            out.push(format!("object {} removed", obj.name_singular));
        }
    }
    let label = |p: &Policy, id: &str| p.snapshot().role(id).map(|r| r.label.clone()).unwrap_or_else(|| id.to_string());
    if o.default_role_id != n.default_role_id {
        out.push(format!("default role {} → {}", label(old, &o.default_role_id), label(new, &n.default_role_id)));
    }
    if o.admin_role_id != n.admin_role_id {
        out.push(format!("Admin role {} → {}", label(old, &o.admin_role_id), label(new, &n.admin_role_id)));
    }
    if o.options != n.options {
        // The snapshot's own words (`defaultRole`, `deny`).
        let word = |v: crate::model::ApiKeysWithoutRole| {
            serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        };
        out.push(format!(
            "options.apiKeysWithoutRole {} → {}",
            word(o.options.api_keys_without_role),
            word(n.options.api_keys_without_role)
        ));
    }
    out
}

/// Compares two snapshots (normally two revisions of one workspace), at time `now` (for API
/// key expiry).
pub fn diff(old: &Policy, new: &Policy, now: i64) -> Diff {
    let (old_who, new_who) = (subjects(old), subjects(new));
    let mut out = Vec::new();
    let find = |list: &[Who], kind: Kind, id: &str| list.iter().position(|w| w.kind == kind && w.id == id);
    let mut seen = vec![false; old_who.len()];
    let push = |o: Option<&Who>, n: Option<&Who>, out: &mut Vec<SubjectDiff>| {
        let w = n.or(o).expect("one side exists");
        let (ov, nv) = (o.and_then(|o| view_of(old, o, now)), n.and_then(|n| view_of(new, n, now)));
        let mut notes = Vec::new();
        let mut longer = false;
        match (o, n) {
            (None, Some(_)) => notes.push("added".to_string()),
            (Some(_), None) => notes.push("removed".to_string()),
            (Some(a), Some(b)) => {
                // By id: a renamed role is not a change of role for those holding it.
                let id = |x: &Option<(String, String)>| x.as_ref().map(|(id, _)| id.clone());
                if id(&a.role) != id(&b.role) && w.kind != Kind::Role {
                    let r = |x: &Option<(String, String)>| x.as_ref().map_or_else(|| "none".into(), |(_, label)| label.clone());
                    notes.push(format!("role {} → {}", r(&a.role), r(&b.role)));
                }
                if a.name != b.name {
                    notes.push(format!("renamed from {}", a.name));
                }
                if w.kind == Kind::ApiKey && a.expires_at != b.expires_at {
                    // Expiry as a time (`None` = never); an unreadable one counts as now.
                    let at = |x: &Option<String>| x.as_deref().map(|t| crate::model::parse_timestamp(t).unwrap_or(i64::MIN));
                    let (before, after) = (at(&a.expires_at), at(&b.expires_at));
                    let shown = |x: &Option<String>| x.clone().unwrap_or_else(|| "never".into());
                    let change = format!("{} → {}", shown(&a.expires_at), shown(&b.expires_at));
                    match (before, after) {
                        (Some(_), None) => {
                            longer = true;
                            notes.push(format!("no longer expires ({change})"));
                        }
                        // The same instant written differently is no change.
                        (Some(x), Some(y)) if y == x => {}
                        (Some(x), Some(y)) if y > x => {
                            longer = true;
                            notes.push(format!("expires later ({change})"));
                        }
                        _ => notes.push(format!("expires sooner ({change})")),
                    }
                }
            }
            (None, None) => {}
        }
        if let (Some(a), Some(b)) = (&ov, &nv) {
            if a.status != b.status {
                notes.push(format!("now {} (was {})", status_word(b.status), status_word(a.status)));
            }
        }
        let (gains, losses) = compare_views(ov.as_ref(), nv.as_ref());
        if !gains.is_empty() || !losses.is_empty() || !notes.is_empty() {
            let widens = longer || !gains.is_empty();
            out.push(SubjectDiff { kind: w.kind, id: w.id.clone(), name: w.name.clone(), notes, gains, losses, widens });
        }
    };
    for n in &new_who {
        let o = find(&old_who, n.kind, &n.id);
        if let Some(i) = o {
            seen[i] = true;
        }
        push(o.map(|i| &old_who[i]), Some(n), &mut out);
    }
    for (i, o) in old_who.iter().enumerate() {
        if !seen[i] {
            push(Some(o), None, &mut out);
        }
    }
    let gains = out.iter().map(|s| s.gains.len()).sum();
    let losses = out.iter().map(|s| s.losses.len()).sum();
    let widens = out.iter().any(|s| s.widens);
    Diff {
        workspace_id: new.workspace_id().to_string(),
        old_revision: old.revision(),
        new_revision: new.revision(),
        workspace: schema_changes(old, new),
        subjects: out,
        gains,
        losses,
        widens,
    }
}

impl Diff {
    /// Plain words, one line per change: `Intern gains: read person.address`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for w in &self.workspace {
            out.push(format!("Workspace: {w}"));
        }
        for s in &self.subjects {
            let t = s.title();
            for n in &s.notes {
                out.push(format!("{t}: {n}"));
            }
            for c in &s.gains {
                out.push(format!("{t} gains: {}", c.words(true)));
            }
            for c in &s.losses {
                out.push(format!("{t} loses: {}", c.words(false)));
            }
        }
        out
    }
}
