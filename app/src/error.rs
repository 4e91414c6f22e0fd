//! The one error type that crosses the server-function boundary.
//!
//! Features keep their own `thiserror` enums for expected failures and convert
//! into [`AppError`] at the edge. An `AppError` carries a stable code (which
//! the HTTP layer maps to a status) and a message a person can act on;
//! anything unexpected becomes an opaque "internal error" after its cause has
//! been logged on the server.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was wrong; the message says which field and why.
    Invalid,
    /// No session, or it expired.
    Unauthenticated,
    /// Signed in, but not allowed.
    Forbidden,
    NotFound,
    /// A state that has moved on, a duplicate, a stale update.
    Conflict,
    /// Throttled; try again later.
    TooManyRequests,
    /// A money move needs a fresh two-factor code in this session first
    /// (the page asks for one, then the admin presses the button again).
    StepUpRequired,
    /// The server could not be reached or answered with something unreadable.
    Transport,
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code travels with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Invalid => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::StepUpRequired => 403,
            ErrorCode::Transport => 502,
            ErrorCode::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please sign in to continue")
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "You do not have permission to do that",
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// The only constructor for unexpected failures: logs the full cause chain
    /// on the server and hands the client nothing it could learn internals from.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let cause = cause.into();
        tracing::error!(error = ?cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again",
        )
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal(err)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // A field outside its fixed choices (an action, a direction)
            // is named by the decoder: say which, so the caller can fix it.
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail)
                if cfg!(feature = "ssr") && detail.contains("unknown variant") =>
            {
                AppError::invalid(format!(
                    "The form was malformed ({detail}). Please reload the page and try again"
                ))
            }
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::invalid(
                "The form was incomplete or malformed. Please fill in every field and try again",
            ),
            ServerFnErrorErr::Request(_) => AppError::new(
                ErrorCode::Transport,
                "Could not reach Paydesk. Check your connection and try again",
            ),
            // On the server, what failed to deserialize is the caller's
            // input: their mistake, not a transport problem.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => {
                AppError::invalid("The request was malformed. Please reload the page and try again")
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(_) => AppError::new(
                ErrorCode::Transport,
                "Paydesk sent an answer this page could not read. Please reload",
            ),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function plumbing failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::new(
                    ErrorCode::Internal,
                    "Something went wrong on our side. Please try again",
                )
            }
        }
    }
}

/// The conversions every feature's service error shares. The enum itself is
/// written out in the feature (its variants and messages are the feature's
/// own); this adds `unexpected(cause)`; for each `Variant(String)` listed,
/// a constructor and the wire code it crosses the boundary with; sends each
/// delegated variant through its inner error's own `AppError` conversion;
/// makes a database error `Unexpected` (so `?` does the work); and logs
/// `Unexpected` while handing the client nothing of it.
///
/// ```ignore
/// service_error!(FundingError {
///     Invalid(invalid) => Invalid,
///     NotFound(not_found) => NotFound,
/// });
/// ```
#[cfg(feature = "ssr")]
macro_rules! service_error {
    ($name:ident {
        $($variant:ident($ctor:ident) => $code:ident),* $(,)?
    } $(delegates { $($inner:ident),* $(,)? })?) => {
        impl $name {
            $(
                pub fn $ctor(message: impl Into<String>) -> Self {
                    Self::$variant(message.into())
                }
            )*

            pub fn unexpected(cause: impl Into<anyhow::Error>) -> Self {
                Self::Unexpected(cause.into())
            }
        }

        impl From<sea_orm::DbErr> for $name {
            fn from(err: sea_orm::DbErr) -> Self {
                Self::Unexpected(err.into())
            }
        }

        impl From<$name> for $crate::error::AppError {
            fn from(err: $name) -> Self {
                match err {
                    $($name::$variant(message) => $crate::error::AppError::new(
                        $crate::error::ErrorCode::$code,
                        message,
                    ),)*
                    $($($name::$inner(inner) => $crate::error::AppError::from(inner),)*)?
                    $name::Unexpected(cause) => $crate::error::AppError::internal(cause),
                }
            }
        }
    };
}
#[cfg(feature = "ssr")]
pub(crate) use service_error;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_statuses_clients_expect() {
        let check =
            |code: ErrorCode, status: u16| assert_eq!(code.http_status(), status, "{code:?}");
        check(ErrorCode::Invalid, 400);
        check(ErrorCode::Unauthenticated, 401);
        check(ErrorCode::Forbidden, 403);
        check(ErrorCode::NotFound, 404);
        check(ErrorCode::Conflict, 409);
        check(ErrorCode::TooManyRequests, 429);
        check(ErrorCode::StepUpRequired, 403);
        check(ErrorCode::Internal, 500);
    }

    #[test]
    fn argument_errors_become_invalid_input_not_internal() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("email".into()));
        assert_eq!(err.code, ErrorCode::Invalid);
    }

    #[test]
    fn errors_survive_the_wire_encoding() {
        let err = AppError::new(ErrorCode::TooManyRequests, "Slow down");
        let decoded = AppError::de(err.ser());
        assert_eq!(decoded, err);
    }
}
