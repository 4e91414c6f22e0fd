//! Creating, deciding and paying incentives. Every change is a guarded
//! update (its WHERE names the statuses it may start from), so two admins
//! acting at once never move an incentive twice; Make Payment claims the
//! rows, moves the money and records the audit and outbox rows in one
//! transaction.
//!
//! - `intake`: one incentive in (form, CSV line, earnings API), checked,
//!   its member found or invited, an external id or key making repeats
//!   harmless.
//! - `decisions`: approve and reject in bulk.
//! - `payment`: Make Payment, one journal entry from a funding wallet.
//! - `queries`: the table, "select all matching", the member's own view.

mod decisions;
mod error;
mod intake;
mod payment;
mod queries;
mod shared;

pub use decisions::decide;
pub use error::IncentiveError;
pub use intake::{
    by_external_id, check_import, create, create_keyed, invite_missing, set_invite_missing,
    Created, LineCheck, Origin,
};
pub use payment::{make_payment, make_payment_via, PaymentInput, PaymentPayload, WAITING};
pub use queries::{for_member, list, matching_ids, views};
pub use shared::{BATCH_LIMIT, BULK_LIMIT, CREATE_MISSING_MEMBERS};
