//! Funding wallets (`/admin/wallets`): the company's money that incentives
//! are paid from. Admins create one per asset they need, record deposits
//! into it, and read its history with a running balance.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ledger::statement::StatementPage;

/// An asset a new funding wallet may hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetChoice {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingView {
    /// Every funding wallet, and the chosen one's history.
    pub statement: StatementPage,
    pub assets: Vec<AssetChoice>,
    /// A fresh idempotency key for the next deposit.
    pub fresh_key: String,
    /// What the viewing admin's role may do here (the page hides the rest).
    pub can_deposit: bool,
    pub can_create: bool,
}
