//! What the member's withdrawal page knows, and the preview of a request
//! (fee, net amount, points debited) computed from it. Shared by the server,
//! which renders the confirm step without JavaScript, and the browser, which
//! updates the preview while the member types. The server's
//! `request_withdrawal` still decides; this only tells the member early.

use serde::{Deserialize, Serialize};

use super::decision::{decide, AmountRequest, Context, Decision, MethodLimits, Problem};
use super::{WithdrawalStatus, WithdrawalView};
use crate::ledger::money::{format_amount, AssetView, Rate};
use crate::payout_details::method::PayoutMethod;
use crate::verification::VerificationStatus;

/// A wallet the member can withdraw from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletOption {
    pub wallet_id: i64,
    pub asset: AssetView,
    /// In the wallet's asset.
    pub balance: i64,
    /// The currency withdrawals from it are paid in (itself, for money).
    pub currency: AssetView,
    /// The balance's value in that currency, rounded down.
    pub available_money: i64,
    /// For a points wallet, the rate in force.
    pub rate: Option<Rate>,
}

impl WalletOption {
    pub fn balance_text(&self) -> String {
        format_amount(self.balance, &self.asset.code, self.asset.scale)
    }

    pub fn money(&self, minor: i64) -> String {
        format_amount(minor, &self.currency.code, self.currency.scale)
    }

    pub fn is_points(&self) -> bool {
        self.rate.is_some()
    }
}

/// A method in one currency: its limits and fee, and the member's details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodOption {
    pub method: PayoutMethod,
    pub currency_asset_id: i64,
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub fee_fixed_minor: i64,
    pub fee_basis_points: i64,
    pub fee_min_minor: i64,
    pub fee_max_minor: Option<i64>,
    /// The member's saved details for the method, masked; None if not saved.
    pub details: Option<String>,
    pub is_default: bool,
}

impl MethodOption {
    /// What the withdrawal decision reads of the option.
    pub fn limits(&self) -> MethodLimits {
        MethodLimits {
            min_minor: self.min_minor,
            max_minor: self.max_minor,
            fee_fixed_minor: self.fee_fixed_minor,
            fee_basis_points: self.fee_basis_points,
            fee_min_minor: self.fee_min_minor,
            fee_max_minor: self.fee_max_minor,
        }
    }

    pub fn fee(&self, gross_minor: i64) -> i64 {
        self.limits().fee(gross_minor)
    }

    /// "2.9 % + 0.30 USD", "free", "$1.00".
    pub fn fee_text(&self, currency: &AssetView) -> String {
        let money = |m: i64| format_amount(m, &currency.code, currency.scale);
        let percent = if self.fee_basis_points == 0 {
            None
        } else {
            let whole = self.fee_basis_points / 100;
            let fraction = self.fee_basis_points % 100;
            Some(if fraction == 0 {
                format!("{whole} %")
            } else {
                format!(
                    "{whole}.{} %",
                    format!("{fraction:02}").trim_end_matches('0')
                )
            })
        };
        let mut text = match (percent, self.fee_fixed_minor) {
            (None, 0) => "Free".to_owned(),
            (None, fixed) => money(fixed),
            (Some(p), 0) => p,
            (Some(p), fixed) => format!("{p} + {}", money(fixed)),
        };
        if self.fee_min_minor > 0 {
            text.push_str(&format!(", at least {}", money(self.fee_min_minor)));
        }
        if let Some(max) = self.fee_max_minor {
            text.push_str(&format!(", at most {}", money(max)));
        }
        text
    }
}

/// Everything the withdrawals page needs, in one round trip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawPage {
    pub wallets: Vec<WalletOption>,
    pub methods: Vec<MethodOption>,
    pub verification: VerificationStatus,
    /// Per currency code, the amount above which verification is needed.
    pub thresholds: Vec<(String, i64)>,
    /// The admin's message shown after a successful request.
    pub confirmation_message: String,
    /// A fresh idempotency key for the next request form.
    pub fresh_key: String,
    /// Whether the member has saved any payout details.
    pub has_details: bool,
}

impl WithdrawPage {
    pub fn wallet(&self, id: i64) -> Option<&WalletOption> {
        self.wallets.iter().find(|w| w.wallet_id == id)
    }

    /// Methods usable from a wallet: enabled for its currency.
    pub fn methods_for(&self, wallet: &WalletOption) -> Vec<&MethodOption> {
        self.methods
            .iter()
            .filter(|m| m.currency_asset_id == wallet.currency.id)
            .collect()
    }

    pub fn threshold(&self, currency: &str) -> Option<i64> {
        self.thresholds
            .iter()
            .find(|(code, _)| code == currency)
            .map(|(_, minor)| *minor)
    }
}

/// A request as it would be made.
pub type Preview = Decision;

/// Why a request would be refused, with what the member should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewProblem {
    Message(String),
    /// Above the verification threshold: the page links to verification.
    NeedsVerification(String),
}

impl PreviewProblem {
    pub fn message(&self) -> &str {
        match self {
            PreviewProblem::Message(m) | PreviewProblem::NeedsVerification(m) => m,
        }
    }
}

impl From<Problem> for PreviewProblem {
    fn from(problem: Problem) -> Self {
        match problem {
            Problem::NotVerified(_) => PreviewProblem::NeedsVerification(problem.to_string()),
            other => PreviewProblem::Message(other.to_string()),
        }
    }
}

/// What the decision knows, as the page holds it.
pub fn context<'a>(
    page: &WithdrawPage,
    wallet: &'a WalletOption,
    method: &MethodOption,
) -> Context<'a> {
    Context {
        balance: wallet.balance,
        currency: &wallet.currency,
        rate: wallet.rate,
        method_label: method.method.label(),
        limits: method.limits(),
        has_details: method.details.is_some(),
        verification_threshold: page.threshold(&wallet.currency.code),
        verified: page.verification == VerificationStatus::Verified,
    }
}

/// The fee, net amount and debit of a request, or the first rule it
/// breaks: the server's own decision (`decision::decide`), run on what the
/// page knows.
pub fn preview(
    page: &WithdrawPage,
    wallet: &WalletOption,
    method: &MethodOption,
    amount_text: &str,
    max: bool,
) -> Result<Preview, PreviewProblem> {
    let amount = if max {
        AmountRequest::Max
    } else {
        AmountRequest::Exact(amount_text.to_owned())
    };
    Ok(decide(&context(page, wallet, method), &amount)?)
}

/// One step in a request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at: String,
    pub to: WithdrawalStatus,
    /// "You" or "Paydesk": members do not see which admin acted.
    pub by: String,
    pub note: Option<String>,
    pub external_reference: Option<String>,
    pub payment_date: Option<String>,
    /// The admin whose second approval let it happen (admins' view only).
    #[serde(default)]
    pub second_approver: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub request: WithdrawalView,
    pub events: Vec<TimelineEvent>,
}

/// One page of a member's requests, newest first.
pub type HistoryPage = crate::ui::list::Page<HistoryRow>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::money::AssetKind;

    fn usd() -> AssetView {
        AssetView {
            id: 1,
            code: "USD".into(),
            kind: AssetKind::Currency,
            scale: 2,
        }
    }

    fn page(verification: VerificationStatus) -> WithdrawPage {
        WithdrawPage {
            wallets: vec![],
            methods: vec![],
            verification,
            thresholds: vec![("USD".into(), 50_000)],
            confirmation_message: String::new(),
            fresh_key: String::new(),
            has_details: true,
        }
    }

    fn gems_wallet(balance: i64) -> WalletOption {
        let rate = Rate {
            points: 10,
            money_minor: 100,
        };
        WalletOption {
            wallet_id: 7,
            asset: AssetView {
                id: 2,
                code: "GEMS".into(),
                kind: AssetKind::Points,
                scale: 0,
            },
            balance,
            currency: usd(),
            available_money: rate.money_for_points(balance).unwrap(),
            rate: Some(rate),
        }
    }

    fn paypal() -> MethodOption {
        MethodOption {
            method: PayoutMethod::Paypal,
            currency_asset_id: 1,
            min_minor: 500,
            max_minor: Some(100_000),
            fee_fixed_minor: 30,
            fee_basis_points: 290,
            fee_min_minor: 0,
            fee_max_minor: None,
            details: Some("a•••@example.com".into()),
            is_default: true,
        }
    }

    #[test]
    fn points_are_debited_rounded_up() {
        let p = page(VerificationStatus::Unverified);
        let preview = preview(&p, &gems_wallet(1_000), &paypal(), "12.34", false).unwrap();
        assert_eq!(preview.gross, 1_234);
        assert_eq!(preview.fee, 30 + 36); // 2.9 % of 12.34 is 0.35786 -> 0.36
        assert_eq!(preview.net, 1_234 - 66);
        assert_eq!(preview.debit, 124); // 123.4 gems, rounded up
    }

    #[test]
    fn max_takes_the_whole_converted_balance() {
        let p = page(VerificationStatus::Verified);
        let preview = preview(&p, &gems_wallet(999), &paypal(), "", true).unwrap();
        assert_eq!(preview.gross, 9_990);
        assert_eq!(preview.debit, 999);
    }

    #[test]
    fn each_rule_has_its_message() {
        let p = page(VerificationStatus::Unverified);
        let wallet = gems_wallet(100_000);
        let message = |amount: &str| {
            preview(&p, &wallet, &paypal(), amount, false)
                .unwrap_err()
                .message()
                .to_owned()
        };
        assert_eq!(message("4.99"), "The minimum withdrawal is 5.00 USD");
        assert_eq!(message("1000.01"), "The maximum withdrawal is 1,000.00 USD");
        assert!(message("-1").contains("negative"));
        assert!(matches!(
            preview(&p, &wallet, &paypal(), "500.01", false),
            Err(PreviewProblem::NeedsVerification(_))
        ));
        let poor = gems_wallet(100);
        assert!(preview(&p, &poor, &paypal(), "10.01", false)
            .unwrap_err()
            .message()
            .starts_with("Insufficient funds"));
        let no_details = MethodOption {
            details: None,
            ..paypal()
        };
        assert!(preview(&p, &wallet, &no_details, "10", false)
            .unwrap_err()
            .message()
            .starts_with("Save your PayPal details"));
    }

    #[test]
    fn fees_read_naturally() {
        assert_eq!(paypal().fee_text(&usd()), "2.9 % + 0.30 USD");
        let free = MethodOption {
            fee_fixed_minor: 0,
            fee_basis_points: 0,
            ..paypal()
        };
        assert_eq!(free.fee_text(&usd()), "Free");
        let flat = MethodOption {
            fee_fixed_minor: 100,
            fee_basis_points: 250,
            fee_max_minor: Some(500),
            ..paypal()
        };
        assert_eq!(flat.fee_text(&usd()), "2.5 % + 1.00 USD, at most 5.00 USD");
    }
}
