//! What previewing, starting and scheduling payout runs can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum PayoutRunError {
    /// A parameter of the run or schedule needs fixing; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The run or schedule asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl PayoutRunError {
    pub fn run_not_found() -> Self {
        Self::NotFound("Payout run not found".into())
    }

    pub fn schedule_not_found() -> Self {
        Self::NotFound("Schedule not found".into())
    }
}

service_error!(PayoutRunError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
});
