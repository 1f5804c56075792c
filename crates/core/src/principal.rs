//! Principals (contract §2): who is asking.

use crate::error::{codes, Error};
use crate::shape;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who is asking. Serialized exactly as in the contract: `{"role": R}`, `{"member": M}`,
/// `{"apiKey": K}`, `{"agent": A}`, `{"agent": A, "workflow": W}`, `{"agent": A, "onBehalfOf": M}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PrincipalRepr", into = "PrincipalRepr")]
pub enum Principal {
    Role(String),
    Member(String),
    ApiKey(String),
    Agent(String),
    AgentInWorkflow { agent: String, workflow: String },
    AgentOnBehalfOf { agent: String, member: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PrincipalRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workflow: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_behalf_of: Option<String>,
}

pub(crate) static PRINCIPAL: shape::Spec = shape::Spec {
    what: "PrincipalRepr",
    keys: &[
        ("role", shape::Ty::NullStr, false),
        ("member", shape::Ty::NullStr, false),
        ("apiKey", shape::Ty::NullStr, false),
        ("agent", shape::Ty::NullStr, false),
        ("workflow", shape::Ty::NullStr, false),
        ("onBehalfOf", shape::Ty::NullStr, false),
    ],
};

const SHAPES: &str = "a principal is {\"role\":R}, {\"member\":M}, {\"apiKey\":K}, {\"agent\":A}, \
{\"agent\":A,\"workflow\":W} or {\"agent\":A,\"onBehalfOf\":M}";

impl TryFrom<PrincipalRepr> for Principal {
    type Error = String;
    fn try_from(r: PrincipalRepr) -> Result<Self, String> {
        Ok(match r {
            PrincipalRepr { role: Some(x), member: None, api_key: None, agent: None, workflow: None, on_behalf_of: None } => {
                Principal::Role(x)
            }
            PrincipalRepr { role: None, member: Some(x), api_key: None, agent: None, workflow: None, on_behalf_of: None } => {
                Principal::Member(x)
            }
            PrincipalRepr { role: None, member: None, api_key: Some(x), agent: None, workflow: None, on_behalf_of: None } => {
                Principal::ApiKey(x)
            }
            PrincipalRepr { role: None, member: None, api_key: None, agent: Some(a), workflow: None, on_behalf_of: None } => {
                Principal::Agent(a)
            }
            PrincipalRepr { role: None, member: None, api_key: None, agent: Some(agent), workflow: Some(workflow), on_behalf_of: None } => {
                Principal::AgentInWorkflow { agent, workflow }
            }
            PrincipalRepr { role: None, member: None, api_key: None, agent: Some(agent), workflow: None, on_behalf_of: Some(member) } => {
                Principal::AgentOnBehalfOf { agent, member }
            }
            _ => return Err(SHAPES.to_string()),
        })
    }
}

impl From<Principal> for PrincipalRepr {
    fn from(p: Principal) -> Self {
        let mut r = PrincipalRepr::default();
        match p {
            Principal::Role(x) => r.role = Some(x),
            Principal::Member(x) => r.member = Some(x),
            Principal::ApiKey(x) => r.api_key = Some(x),
            Principal::Agent(x) => r.agent = Some(x),
            Principal::AgentInWorkflow { agent, workflow } => {
                r.agent = Some(agent);
                r.workflow = Some(workflow)
            }
            Principal::AgentOnBehalfOf { agent, member } => {
                r.agent = Some(agent);
                r.on_behalf_of = Some(member)
            }
        }
        r
    }
}

impl Principal {
    /// Parses a principal from JSON, with a precise error.
    pub fn from_value(v: &serde_json::Value) -> Result<Principal, Error> {
        Self::from_node(v)
    }

    /// [`Principal::from_value`] of JSON text (`INVALID_JSON` if it is not JSON).
    pub fn from_json(text: &str) -> Result<Principal, Error> {
        let v = crate::tree::Json::parse(text)
            .map_err(|e| Error::one(codes::INVALID_JSON, "principal", format!("principal is not valid JSON: {e}")))?;
        Self::from_node(&v)
    }

    fn from_node(v: &impl crate::tree::Node) -> Result<Principal, Error> {
        Self::read(v, "").map_err(|e| Error::one(codes::INVALID_ARG, "principal", format!("invalid principal: {e}; {SHAPES}")))
    }

    /// The derived Deserialize's answer (through `PrincipalRepr`), without its code: the keys
    /// are checked by `shape::first_error`, then read by hand.
    /// `path` is where `v` sits, for messages (empty at the top level).
    pub(crate) fn read(v: &impl crate::tree::Node, path: &str) -> Result<Principal, String> {
        if let Some(e) = shape::first_error(shape::Ty::Obj(&PRINCIPAL), v, path) {
            return Err(e);
        }
        let key = |k: &str| shape::get_opt_str(v, k);
        PrincipalRepr {
            role: key("role"),
            member: key("member"),
            api_key: key("apiKey"),
            agent: key("agent"),
            workflow: key("workflow"),
            on_behalf_of: key("onBehalfOf"),
        }
        .try_into()
    }
    /// The kind as written in JSON (`role`, `member`, `apiKey`, `agent`).
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::Role(_) => "role",
            Principal::Member(_) => "member",
            Principal::ApiKey(_) => "apiKey",
            Principal::Agent(_) | Principal::AgentInWorkflow { .. } | Principal::AgentOnBehalfOf { .. } => "agent",
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Role(x) => write!(f, "role \"{x}\""),
            Principal::Member(x) => write!(f, "member \"{x}\""),
            Principal::ApiKey(x) => write!(f, "API key \"{x}\""),
            Principal::Agent(x) => write!(f, "agent \"{x}\""),
            Principal::AgentInWorkflow { agent, workflow } => write!(f, "agent \"{agent}\" in workflow \"{workflow}\""),
            Principal::AgentOnBehalfOf { agent, member } => write!(f, "agent \"{agent}\" on behalf of member \"{member}\""),
        }
    }
}

/// Whether a principal that exists may act at all (contract §3 `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Active,
    Revoked,
    Expired,
    NoRole,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
            Status::NoRole => "noRole",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn principal_shapes_round_trip() {
        for v in [
            json!({"role": "r"}),
            json!({"member": "m"}),
            json!({"apiKey": "k"}),
            json!({"agent": "a"}),
            json!({"agent": "a", "workflow": "w"}),
            json!({"agent": "a", "onBehalfOf": "m"}),
        ] {
            let p = Principal::from_value(&v).unwrap();
            assert_eq!(serde_json::to_value(&p).unwrap(), v);
        }
    }

    /// The hand-written reader answers like the derived Deserialize (now only the oracle here).
    #[test]
    fn reader_matches_derived_deserialize() {
        for v in [
            json!({"role": "r"}),
            json!({"agent": "a", "onBehalfOf": "m"}),
            json!({"agent": "a", "workflow": null}),
            json!({"role": null}),
            json!({}),
            json!({"role": "r", "member": "m"}),
            json!({"apikey": "k"}),
            json!({"role": 1}),
            json!({"role": 1.5}),
            json!({"role": -1}),
            json!({"role": true}),
            json!({"role": ["r"]}),
            json!({"role": {"id": "r"}}),
            json!({"member": "m", "bogus": 1, "role": 2}),
            json!({"role": 2, "bogus": 1}),
            json!("role"),
            json!("a \"quoted\" \\ name\n"),
            json!(null),
            json!(7),
            json!(false),
        ] {
            let derived = serde_json::from_value::<Principal>(v.clone()).map_err(|e| e.to_string());
            crate::shape::assert_same_answer(Principal::read(&v, ""), derived, &v);
        }
    }

    #[test]
    fn bad_principals_are_errors() {
        for v in [
            json!({}),
            json!({"role": "r", "member": "m"}),
            json!({"member": "m", "workflow": "w"}),
            json!({"agent": "a", "workflow": "w", "onBehalfOf": "m"}),
            json!({"apikey": "k"}),
            json!("role"),
        ] {
            let e = Principal::from_value(&v).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARG", "{v}");
        }
    }
}
