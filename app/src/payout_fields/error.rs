//! What editing the payout-details forms can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum PayoutFieldError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    /// What was asked for does not exist (or is not the caller's to see).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(PayoutFieldError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
});
