//! Record redaction.
