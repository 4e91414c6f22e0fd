//! What the members' list and an admin's work on one member can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    /// What was asked for does not exist (or is not the caller's to see).
    #[error("{0}")]
    NotFound(String),
    /// Reading the member's withdrawal requests failed.
    #[error(transparent)]
    Withdrawal(#[from] crate::withdrawals::service::WithdrawalError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(MemberError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
} delegates { Withdrawal });
