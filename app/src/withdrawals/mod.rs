//! Withdrawal requests: a member asks for money out of a wallet; admins move
//! the request through its statuses; the ledger holds, settles or returns
//! the amount at each step.

pub mod api;
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

/// The payout methods Paydesk knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutMethod {
    Paypal,
    Bank,
    Crypto,
    GiftCard,
}

impl PayoutMethod {
    pub const ALL: [PayoutMethod; 4] = [
        PayoutMethod::Paypal,
        PayoutMethod::Bank,
        PayoutMethod::Crypto,
        PayoutMethod::GiftCard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PayoutMethod::Paypal => "paypal",
            PayoutMethod::Bank => "bank",
            PayoutMethod::Crypto => "crypto",
            PayoutMethod::GiftCard => "gift_card",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|method| method.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            PayoutMethod::Paypal => "PayPal",
            PayoutMethod::Bank => "Bank transfer",
            PayoutMethod::Crypto => "Crypto",
            PayoutMethod::GiftCard => "Gift card",
        }
    }
}

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
}

/// The fee on a gross amount: fixed plus percentage (rounded half up),
/// kept within the fee's minimum and maximum. Shared so the browser's
/// preview and the server's decision cannot differ.
pub fn method_fee(
    gross_minor: i64,
    fixed_minor: i64,
    basis_points: i64,
    min_minor: i64,
    max_minor: Option<i64>,
) -> i64 {
    let percent = (i128::from(gross_minor) * i128::from(basis_points) + 5_000) / 10_000;
    let mut fee = i128::from(fixed_minor) + percent;
    fee = fee.max(i128::from(min_minor));
    if let Some(max) = max_minor {
        fee = fee.min(i128::from(max));
    }
    i64::try_from(fee).unwrap_or(i64::MAX)
}
