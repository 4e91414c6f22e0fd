//! What can go wrong with a withdrawal request, and what the client is told.

use crate::error::{AppError, ErrorCode};
use crate::ledger::four_eyes::FourEyesError;
use crate::ledger::idempotency::IdempotencyError;
use crate::withdrawals::decision::Problem;
use crate::withdrawals::status::TransitionError;

#[derive(Debug, thiserror::Error)]
pub enum WithdrawalError {
    /// A rule of the decision (`decision::decide`) refused the request.
    #[error(transparent)]
    Refused(#[from] Problem),
    #[error("{0}")]
    Invalid(String),
    #[error("Wallet not found")]
    WalletNotFound,
    #[error("Withdrawal request not found")]
    RequestNotFound,
    #[error("{method} is not available for {currency} withdrawals")]
    MethodUnavailable {
        method: &'static str,
        currency: String,
    },
    #[error("No conversion rate is set for {0}; withdrawals from it are not possible yet")]
    NoRate(String),
    #[error("This account is not active")]
    Inactive,
    #[error("Confirm your email address before withdrawing: open the link we sent to it (your account page can send a new one)")]
    EmailNotConfirmed,
    #[error(
        "You already have an open withdrawal request. Wait until it is completed or cancel it"
    )]
    OneOpenRequest,
    #[error("Please wait {0} before requesting another withdrawal")]
    TooSoon(String),
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("This request was changed by someone else in the meantime. Reload and try again")]
    Stale,
    #[error("You cannot do that with this request")]
    Forbidden,
    #[error("This request is being paid through PayPal: its status follows PayPal's reports")]
    WithPayPal,
    #[error("{0}")]
    Idempotency(#[from] IdempotencyError),
    /// A second approval that no longer matches, or was spent meanwhile.
    #[error("{0}")]
    FourEyes(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WithdrawalError {
    fn from(err: sea_orm::DbErr) -> Self {
        WithdrawalError::Unexpected(err.into())
    }
}

impl From<FourEyesError> for WithdrawalError {
    fn from(err: FourEyesError) -> Self {
        match err {
            FourEyesError::Void(why) | FourEyesError::Conflict(why) => {
                WithdrawalError::FourEyes(why)
            }
            FourEyesError::Db(err) => err.into(),
        }
    }
}

impl From<WithdrawalError> for AppError {
    fn from(err: WithdrawalError) -> Self {
        let code = match &err {
            WithdrawalError::Refused(_)
            | WithdrawalError::Invalid(_)
            | WithdrawalError::MethodUnavailable { .. }
            | WithdrawalError::NoRate(_)
            | WithdrawalError::Inactive
            | WithdrawalError::EmailNotConfirmed
            | WithdrawalError::OneOpenRequest
            | WithdrawalError::TooSoon(_) => ErrorCode::Invalid,
            WithdrawalError::WalletNotFound | WithdrawalError::RequestNotFound => {
                ErrorCode::NotFound
            }
            WithdrawalError::Transition(_)
            | WithdrawalError::Stale
            | WithdrawalError::WithPayPal
            | WithdrawalError::FourEyes(_) => ErrorCode::Conflict,
            WithdrawalError::Forbidden => ErrorCode::Forbidden,
            WithdrawalError::Idempotency(_) | WithdrawalError::Unexpected(_) => {
                return match err {
                    WithdrawalError::Idempotency(inner) => AppError::from(inner),
                    other => AppError::internal(anyhow::anyhow!("{other:#}")),
                };
            }
        };
        AppError::new(code, err.to_string())
    }
}
