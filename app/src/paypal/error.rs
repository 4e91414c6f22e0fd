//! What sending to PayPal and applying its reports can fail with, and what
//! the client is told. Database and programming faults are `Unexpected`.

use crate::error::service_error;
use crate::ledger::idempotency::IdempotencyError;
use crate::withdrawals::service::WithdrawalError;

#[derive(Debug, thiserror::Error)]
pub enum PayPalServiceError {
    /// The admin's input or Paydesk's PayPal settings need fixing.
    #[error("{0}")]
    Invalid(String),
    /// The alert or batch asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Someone else changed what this call read; reload and try again.
    #[error("{0}")]
    Conflict(String),
    /// PayPal gave no answer; nothing was sent, trying again is safe.
    #[error("{0}")]
    Unreachable(String),
    #[error(transparent)]
    Withdrawal(#[from] WithdrawalError),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(PayPalServiceError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
    Conflict(conflict) => Conflict,
    Unreachable(unreachable) => Transport,
} delegates { Withdrawal, Idempotency });
