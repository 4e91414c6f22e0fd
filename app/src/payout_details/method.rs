//! The payout methods Paydesk knows. Its own file, so the features that
//! name a method (withdrawals, payout fields, exports, PayPal) depend on it
//! and not on the rest of payout details.

use serde::{Deserialize, Serialize};

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
