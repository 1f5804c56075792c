//! Errors with stable codes (Twenty's names), a sentence and a JSON path.

use serde::Serialize;
use std::fmt;

/// One problem found in a snapshot, an operation or a request.
///
/// `code` is stable and machine-readable (Twenty's exception names where one exists),
/// `message` is a sentence naming the role/object/field concerned, and `path` is the JSON
/// path of the offending value (`roles[2].fieldPermissions[0].field`), empty when the error
/// concerns the whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
}

impl Issue {
    pub fn new(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue { code, message: message.into(), path: path.into() }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {} (at {})", self.code, self.message, self.path)
        }
    }
}

/// The error type of every fallible core function: one or more issues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(transparent)]
pub struct Error {
    pub issues: Vec<Issue>,
}

impl Error {
    pub fn one(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error { issues: vec![Issue::new(code, path, message)] }
    }
    pub fn from_issues(issues: Vec<Issue>) -> Self {
        debug_assert!(!issues.is_empty());
        Error { issues }
    }
    /// The code of the first issue (the one a caller usually reports).
    pub fn code(&self) -> &'static str {
        self.issues.first().map(|i| i.code).unwrap_or(codes::INTERNAL)
    }
    pub fn path(&self) -> &str {
        self.issues.first().map(|i| i.path.as_str()).unwrap_or("")
    }
    pub fn has_code(&self, code: &str) -> bool {
        self.issues.iter().any(|i| i.code == code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable error codes. Twenty's names where Twenty has one.
pub mod codes {
    pub const INVALID_ARG: &str = "INVALID_ARG";
    pub const INVALID_SETTING: &str = "INVALID_SETTING";
    pub const INVALID_JSON: &str = "INVALID_JSON";
    pub const OBJECT_METADATA_NOT_FOUND: &str = "OBJECT_METADATA_NOT_FOUND";
    pub const FIELD_METADATA_NOT_FOUND: &str = "FIELD_METADATA_NOT_FOUND";
    pub const ROLE_NOT_FOUND: &str = "ROLE_NOT_FOUND";
    pub const ADMIN_ROLE_NOT_FOUND: &str = "ADMIN_ROLE_NOT_FOUND";
    pub const DEFAULT_ROLE_NOT_FOUND: &str = "DEFAULT_ROLE_NOT_FOUND";
    pub const CANNOT_UNASSIGN_LAST_ADMIN: &str = "CANNOT_UNASSIGN_LAST_ADMIN";
    pub const ONLY_FIELD_RESTRICTION_ALLOWED: &str = "ONLY_FIELD_RESTRICTION_ALLOWED";
    pub const CANNOT_ADD_FIELD_PERMISSION_ON_SYSTEM_OBJECT: &str = "CANNOT_ADD_FIELD_PERMISSION_ON_SYSTEM_OBJECT";
    pub const CANNOT_GIVE_WRITING_PERMISSION_WITHOUT_READING_PERMISSION: &str = "CANNOT_GIVE_WRITING_PERMISSION_WITHOUT_READING_PERMISSION";
    pub const CANNOT_GIVE_WRITING_PERMISSION_ON_NON_READABLE_OBJECT: &str = "CANNOT_GIVE_WRITING_PERMISSION_ON_NON_READABLE_OBJECT";
    pub const ROLE_LABEL_ALREADY_EXISTS: &str = "ROLE_LABEL_ALREADY_EXISTS";
    pub const ROLE_MUST_HAVE_AT_LEAST_ONE_TARGET: &str = "ROLE_MUST_HAVE_AT_LEAST_ONE_TARGET";
    pub const ROLE_CANNOT_BE_ASSIGNED_TO_USERS: &str = "ROLE_CANNOT_BE_ASSIGNED_TO_USERS";
    pub const ROLE_CANNOT_BE_ASSIGNED_TO_API_KEYS: &str = "ROLE_CANNOT_BE_ASSIGNED_TO_API_KEYS";
    pub const ROLE_CANNOT_BE_ASSIGNED_TO_AGENTS: &str = "ROLE_CANNOT_BE_ASSIGNED_TO_AGENTS";
    pub const ROLE_NOT_EDITABLE: &str = "ROLE_NOT_EDITABLE";
    pub const CANNOT_REVOKE_OWN_SETTINGS_ACCESS: &str = "CANNOT_REVOKE_OWN_SETTINGS_ACCESS";
    pub const CANNOT_DELETE_OWN_ROLE: &str = "CANNOT_DELETE_OWN_ROLE";
    pub const DEFAULT_ROLE_CANNOT_BE_DELETED: &str = "DEFAULT_ROLE_CANNOT_BE_DELETED";
    pub const CANNOT_UPDATE_SELF_ROLE: &str = "CANNOT_UPDATE_SELF_ROLE";
    pub const WORKSPACE_MEMBER_NOT_FOUND: &str = "WORKSPACE_MEMBER_NOT_FOUND";
    pub const API_KEY_NOT_FOUND: &str = "API_KEY_NOT_FOUND";
    pub const AGENT_NOT_FOUND: &str = "AGENT_NOT_FOUND";
    pub const WORKFLOW_NOT_FOUND: &str = "WORKFLOW_NOT_FOUND";
    /// A principal that does not exist in the snapshot.
    pub const UNKNOWN_PRINCIPAL: &str = "UNKNOWN_PRINCIPAL";
    pub const UNKNOWN_FLAG: &str = "UNKNOWN_FLAG";
    pub const PERMISSION_DENIED: &str = "PERMISSION_DENIED";
    pub const INTERNAL: &str = "INTERNAL";
}
