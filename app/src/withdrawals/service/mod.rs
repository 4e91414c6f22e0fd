//! Requesting withdrawals and moving them through their statuses. Each
//! operation is one transaction: the guarded status change, its transfers,
//! its timeline event, its audit row and its outbox row commit together.
//!
//! - `requesting`: a new request, the member's or made for them by an
//!   admin: load, decide (`withdrawals::decision::decide`), write.
//! - `transitions`: a request moving through its statuses
//!   (`withdrawals::status::transition`) with its money effect.
//! - `views`: requests as the UI sees them; `error`: what can go wrong.

mod error;
mod requesting;
pub mod second_approval;
mod transitions;
mod views;

pub use super::decision::AmountRequest;
pub use error::WithdrawalError;
pub use requesting::{dry_run, request_on_behalf, request_withdrawal, NewWithdrawal};
pub use transitions::{
    apply_transition, change_status, mark_paid_approved, Actor, EventDetails, MarkPaidPayload,
};
pub use views::{find, view_of, views_of};
