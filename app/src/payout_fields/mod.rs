//! Extra fields an administrator adds to a payout method (seed 002's
//! "optional data"): a label, help text, required or optional, and a
//! pattern the answer must match. Members fill them in with their payout
//! details; requests freeze the answers with the rest of the details, and
//! the process view and every export carry them.
//!
//! Answers are keyed by the field's id, not its label, so retiring a field
//! (it leaves the member's form) keeps the answers already given: saved
//! details keep them, and requests made earlier still show and export them.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::payout_details::method::PayoutMethod;

/// Longest answer a member may give.
pub const MAX_ANSWER: usize = 500;

/// A field as forms, admin lists and exports see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodField {
    pub id: i64,
    pub method: PayoutMethod,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// A regular expression the whole answer must match; empty: anything.
    pub pattern: String,
    /// Retired: no longer asked for; answers given earlier are kept.
    pub retired: bool,
}

impl MethodField {
    /// The key its answers are stored under: `f{id}` (not a bare number,
    /// which a form decoder could read as a list index).
    pub fn key(&self) -> String {
        format!("f{}", self.id)
    }

    /// The form input's name: `extra[f{id}]`, read into a map by the server.
    pub fn input_name(&self) -> String {
        format!("extra[{}]", self.key())
    }

    /// Its column in exports: "PayPal: Tax form on file".
    pub fn column(&self) -> String {
        format!("{}: {}", self.method.label(), self.label)
    }
}

/// A new field, as the admin typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewField {
    pub method: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub pattern: String,
}
