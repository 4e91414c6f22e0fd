//! What an admin is told when their action waits for a second approval.

use serde::{Deserialize, Serialize};

/// A money move above the approval limit, held until another admin
/// approves it (`/admin/approvals`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub approval_id: i64,
    /// Says why it is held and what happens next.
    pub message: String,
}

/// A money move that either happened or waits for a second approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Moved<T> {
    Done(T),
    Held(Held),
}

impl<T> Moved<T> {
    pub fn done(self) -> Option<T> {
        match self {
            Moved::Done(value) => Some(value),
            Moved::Held(_) => None,
        }
    }

    pub fn held(&self) -> Option<&Held> {
        match self {
            Moved::Done(_) => None,
            Moved::Held(held) => Some(held),
        }
    }
}
