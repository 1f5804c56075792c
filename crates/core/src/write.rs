//! Write checks.
