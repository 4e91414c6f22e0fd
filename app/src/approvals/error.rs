//! What deciding a second approval can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// A note is missing or too long; the message says which.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// Decided by someone else first.
    #[error("{0}")]
    Conflict(String),
    /// Not this admin's to decide (their own ask, say).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(ApprovalError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
    Conflict(conflict) => Conflict,
    Forbidden(forbidden) => Forbidden,
});
