//! Members, as an admin sees them (`/admin/members`): a searchable list with
//! balances and totals, and a page per member with wallets, requests,
//! verification review, the active switch and manual credits and debits.
//! Admins see payout details masked and cannot edit them.

mod actions;
pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
mod sections;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ledger::money::Money;
use crate::ledger::statement::StatementPage;
use crate::verification::VerificationView;
use crate::withdrawals::WithdrawalView;

pub const PAGE_SIZE: u64 = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub verified: bool,
    /// Whether the member has confirmed their email address (until then
    /// their incentives wait and they cannot withdraw).
    pub email_confirmed: bool,
    /// What the member's wallets hold now, per asset.
    pub balances: Vec<Money>,
    /// Everything credited to the member (credit-backs of unpaid
    /// withdrawals excluded), per asset.
    pub earned: Vec<Money>,
    /// Withdrawals not yet paid (requested, approved, processing), gross,
    /// per currency.
    pub requested: Vec<Money>,
    /// Withdrawals paid, gross, per currency.
    pub paid: Vec<Money>,
}

pub type MemberList = crate::ui::list::Page<MemberRow>;

/// Saved payout details as an admin sees them: masked only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedDetails {
    /// The method's name (`paypal`), for the reveal form.
    pub method_key: String,
    pub method: String,
    pub masked: String,
    pub is_default: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub member: MemberRow,
    pub joined: String,
    /// The member's wallets and one wallet's statement (the first, or the
    /// one asked for), a page at a time.
    pub statement: StatementPage,
    pub verification: VerificationView,
    pub payout_details: Vec<MaskedDetails>,
    /// The latest requests, newest first.
    pub requests: Vec<WithdrawalView>,
    /// Assets a manual credit or debit may be in.
    pub assets: Vec<String>,
    pub fresh_key: String,
    /// What the viewing admin's role may do on the page.
    #[serde(default)]
    pub can: MemberActions,
}

/// The member page's actions the viewing admin's role allows: the page
/// draws only these (the server functions check again).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberActions {
    pub switch_active: bool,
    pub review: bool,
    pub reveal: bool,
    pub adjust: bool,
    pub request: bool,
    pub add_incentive: bool,
}
