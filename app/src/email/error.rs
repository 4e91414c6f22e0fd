//! What the email settings, test message and digest can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    /// Something else holds or changed what this call wanted.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(EmailError {
    Invalid(invalid) => Invalid,
    Conflict(conflict) => Conflict,
});
