//! The 26 known permission flags and their kind (settings or tool).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagKind {
    Settings,
    Tool,
}

/// `(key, kind)` in the contract's order. The index of a flag in this table is its bit.
pub const FLAGS: [(&str, FlagKind); 26] = [
    ("API_KEYS_AND_WEBHOOKS", FlagKind::Settings),
    ("WORKSPACE", FlagKind::Settings),
    ("WORKSPACE_MEMBERS", FlagKind::Settings),
    ("ROLES", FlagKind::Settings),
    ("DATA_MODEL", FlagKind::Settings),
    ("SECURITY", FlagKind::Settings),
    ("WORKFLOWS", FlagKind::Settings),
    ("IMPERSONATE", FlagKind::Settings),
    ("SSO_BYPASS", FlagKind::Settings),
    ("APPLICATIONS", FlagKind::Settings),
    ("MARKETPLACE_APPS", FlagKind::Settings),
    ("LAYOUTS", FlagKind::Settings),
    ("BILLING", FlagKind::Settings),
    ("AI_SETTINGS", FlagKind::Settings),
    ("AI", FlagKind::Tool),
    ("VIEWS", FlagKind::Tool),
    ("UPLOAD_FILE", FlagKind::Tool),
    ("DOWNLOAD_FILE", FlagKind::Tool),
    ("SEND_EMAIL_TOOL", FlagKind::Tool),
    ("CREATE_CALENDAR_EVENT_TOOL", FlagKind::Tool),
    ("HTTP_REQUEST_TOOL", FlagKind::Tool),
    ("CODE_INTERPRETER_TOOL", FlagKind::Tool),
    ("IMPORT_CSV", FlagKind::Tool),
    ("EXPORT_CSV", FlagKind::Tool),
    ("CONNECTED_ACCOUNTS", FlagKind::Tool),
    ("PROFILE_INFORMATION", FlagKind::Tool),
];

/// A known flag, by its index in [`FLAGS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flag(u8);

impl Flag {
    pub const WORKFLOWS: Flag = Flag(6);
    pub const WORKSPACE_MEMBERS: Flag = Flag(2);
    pub const ROLES: Flag = Flag(3);
    pub const DATA_MODEL: Flag = Flag(4);
    pub const API_KEYS_AND_WEBHOOKS: Flag = Flag(0);
    pub const AI: Flag = Flag(14);

    pub fn parse(key: &str) -> Option<Flag> {
        FLAGS.iter().position(|(k, _)| *k == key).map(|i| Flag(i as u8))
    }
    pub fn key(self) -> &'static str {
        FLAGS[self.0 as usize].0
    }
    pub fn kind(self) -> FlagKind {
        FLAGS[self.0 as usize].1
    }
    pub fn bit(self) -> u32 {
        1u32 << self.0
    }
    pub fn all() -> impl Iterator<Item = Flag> {
        (0..FLAGS.len() as u8).map(Flag)
    }
}

/// Every settings flag as a bit mask.
pub const SETTINGS_MASK: u32 = (1 << 14) - 1;
/// Every tool flag as a bit mask.
pub const TOOLS_MASK: u32 = ((1 << 26) - 1) & !SETTINGS_MASK;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_table() {
        for f in Flag::all() {
            match f.kind() {
                FlagKind::Settings => assert!(f.bit() & SETTINGS_MASK != 0 && f.bit() & TOOLS_MASK == 0),
                FlagKind::Tool => assert!(f.bit() & TOOLS_MASK != 0 && f.bit() & SETTINGS_MASK == 0),
            }
        }
        assert_eq!(Flag::parse("WORKFLOWS"), Some(Flag::WORKFLOWS));
        assert_eq!(Flag::parse("AI"), Some(Flag::AI));
        assert_eq!(Flag::parse("ROLES"), Some(Flag::ROLES));
        assert_eq!(Flag::parse("DATA_MODEL"), Some(Flag::DATA_MODEL));
        assert_eq!(Flag::parse("WORKSPACE_MEMBERS"), Some(Flag::WORKSPACE_MEMBERS));
        assert_eq!(Flag::parse("API_KEYS_AND_WEBHOOKS"), Some(Flag::API_KEYS_AND_WEBHOOKS));
        assert_eq!(Flag::parse("workflows"), None);
        assert_eq!(Flag::all().count(), 26);
    }
}
