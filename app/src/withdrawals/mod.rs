//! Withdrawal requests: a member asks for money out of a wallet; admins move
//! the request through its statuses; the ledger holds, settles or returns
//! the amount at each step.

pub mod api;
pub mod decision;
mod history;
pub mod pages;
pub mod preview;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
pub mod status;

use serde::{Deserialize, Serialize};

pub use status::{WithdrawalAction, WithdrawalStatus};

use crate::payout_details::method::PayoutMethod;

/// A withdrawal request as the UI sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalView {
    pub id: i64,
    pub member_user_id: i64,
    pub wallet_id: i64,
    pub method: PayoutMethod,
    pub status: WithdrawalStatus,
    /// Debited from the wallet, in the wallet's asset.
    pub amount: i64,
    pub wallet_asset: String,
    pub currency: String,
    pub currency_scale: u32,
    pub gross_minor: i64,
    pub fee_minor: i64,
    pub net_minor: i64,
    pub note: Option<String>,
    pub external_reference: Option<String>,
    pub payment_date: Option<String>,
    /// When it was made, `YYYY-MM-DD HH:MM` UTC.
    pub created_at: String,
    /// The payout details it will be paid to, masked.
    pub payout_masked: Option<String>,
    /// Made by an administrator on the member's behalf.
    #[serde(default)]
    pub on_behalf: bool,
    /// Set when the admin's action was held for a second approval (only
    /// in the answer to that action).
    #[serde(default)]
    pub held: Option<crate::ledger::held::Held>,
}
