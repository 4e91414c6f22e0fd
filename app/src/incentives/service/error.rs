//! What can go wrong with an incentive, and what the client is told.

use crate::error::service_error;
use crate::ledger::idempotency::IdempotencyError;

#[derive(Debug, thiserror::Error)]
pub enum IncentiveError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    /// The incentive or API key asked for does not exist (or is another's).
    #[error("{0}")]
    NotFound(String),
    /// The incentive, its external id or its key is taken by something else.
    #[error("{0}")]
    Conflict(String),
    /// Inviting the incentive's new member failed (auth says why).
    #[error(transparent)]
    Invitation(#[from] crate::auth::AuthError),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    /// A date filter is not a date, or ends before it starts.
    #[error(transparent)]
    Dates(#[from] crate::platform::dates::DayRangeError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(IncentiveError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
    Conflict(conflict) => Conflict,
} delegates { Dates, Invitation, Idempotency });
