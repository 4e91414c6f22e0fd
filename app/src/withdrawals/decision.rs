//! **The** withdrawal decision: given what a member holds and the method's
//! rules, what a request for an amount would be (gross, fee, net, what
//! leaves the wallet), or the first rule it breaks, in the words the member
//! reads. Pure (no database, no clock) and compiled for the server and the
//! browser: `service::create_request` decides with it, and the withdrawals
//! page previews with it while the member types, so the two cannot differ.
//!
//! What needs the database stays in the service: the member's row (active,
//! confirmed), the wallet's owner, the rate in force, the saved details and
//! the open-request and delay rules, read under the member's lock.

use serde::{Deserialize, Serialize};

use crate::ledger::money::{format_amount, parse_amount, AmountError, AssetView, Rate};

/// How much to withdraw: an amount typed in the payout currency, an amount
/// already in minor units (a payout run's), or everything the wallet holds
/// (up to the method's maximum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountRequest {
    Exact(String),
    Minor(i64),
    Max,
}

/// A withdrawal form sent neither an amount nor the "maximum" box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Enter an amount, or choose the maximum")]
pub struct AmountMissing;

impl From<AmountMissing> for crate::error::AppError {
    fn from(err: AmountMissing) -> Self {
        Self::invalid(err.to_string())
    }
}

impl AmountRequest {
    /// A form's amount field and its "withdraw the maximum" box, read the
    /// same way by every form that has them (the member's, and the admin's
    /// on a member's page): a ticked box (any non-empty value) asks for the
    /// maximum whatever the amount says; otherwise the amount is taken as
    /// typed, for the decision to judge.
    pub fn from_form(amount: Option<String>, max: Option<&str>) -> Result<Self, AmountMissing> {
        if max.is_some_and(|max| !max.trim().is_empty()) {
            return Ok(AmountRequest::Max);
        }
        match amount {
            Some(amount) if !amount.trim().is_empty() => Ok(AmountRequest::Exact(amount)),
            _ => Err(AmountMissing),
        }
    }

    /// The amount as the idempotency fingerprint sees it: the number, not
    /// how it was typed, so "25" and "25.00" sent with one key are one
    /// request. Text that is not a plain number stays as typed (the
    /// request is refused anyway, and a refusal keeps no key).
    pub fn canonical(&self) -> String {
        match self {
            AmountRequest::Max => "max".to_owned(),
            AmountRequest::Minor(minor) => format!("minor:{minor}"),
            AmountRequest::Exact(text) => text
                .trim()
                .parse::<rust_decimal::Decimal>()
                .map_or_else(|_| text.trim().to_owned(), |d| d.normalize().to_string()),
        }
    }
}

/// A method's limits and fee in one currency, in minor units: the part of a
/// method rule (server) or method option (page) the decision reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodLimits {
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub fee_fixed_minor: i64,
    /// Hundredths of a percent: 250 is 2.5 %.
    pub fee_basis_points: i64,
    pub fee_min_minor: i64,
    pub fee_max_minor: Option<i64>,
}

impl MethodLimits {
    /// The fee on a gross amount: fixed plus percentage (rounded half up),
    /// kept within the fee's minimum and maximum.
    pub fn fee(&self, gross_minor: i64) -> i64 {
        let percent =
            (i128::from(gross_minor) * i128::from(self.fee_basis_points) + 5_000) / 10_000;
        let mut fee = i128::from(self.fee_fixed_minor) + percent;
        fee = fee.max(i128::from(self.fee_min_minor));
        if let Some(max) = self.fee_max_minor {
            fee = fee.min(i128::from(max));
        }
        i64::try_from(fee).unwrap_or(i64::MAX)
    }
}

/// What the decision knows about the member, the wallet and the method.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// The wallet's balance, in its own asset (points for a points wallet).
    pub balance: i64,
    /// The currency the request is asked for and paid in.
    pub currency: &'a AssetView,
    /// For a points wallet, the rate in force.
    pub rate: Option<Rate>,
    /// The method's label, for "save your ... details".
    pub method_label: &'static str,
    pub limits: MethodLimits,
    /// Whether the member has saved details for the method.
    pub has_details: bool,
    /// The amount above which a verified account is needed, if any.
    pub verification_threshold: Option<i64>,
    pub verified: bool,
}

impl Context<'_> {
    /// The balance's value in the payout currency, rounded down.
    pub fn available_money(&self) -> i64 {
        match self.rate {
            None => self.balance,
            Some(rate) => rate.money_for_points(self.balance).unwrap_or(0),
        }
    }

    fn money(&self, minor: i64) -> String {
        format_amount(minor, &self.currency.code, self.currency.scale)
    }
}

/// A request as it would be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub gross: i64,
    pub fee: i64,
    pub net: i64,
    /// What leaves the wallet, in its asset (points for a points wallet).
    pub debit: i64,
}

/// The first rule a request breaks. `Display` is what the member reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("Save your {0} details before requesting a withdrawal with it")]
    NoPayoutDetails(&'static str),
    #[error("{0}")]
    Amount(#[from] AmountError),
    #[error("The minimum withdrawal is {0}")]
    BelowMinimum(String),
    #[error("The maximum withdrawal is {0}")]
    AboveMaximum(String),
    #[error("The amount does not cover the fee of {0}")]
    FeeExceedsAmount(String),
    /// The money text is the wallet's available balance.
    #[error("Insufficient funds: the wallet's available balance is {0}")]
    InsufficientFunds(String),
    /// Above the verification threshold: the page links to verification.
    #[error("Withdrawals above {0} need a verified account. Verify your identity first")]
    NotVerified(String),
}

impl Problem {
    /// "Insufficient funds" for this context (also what the service answers
    /// when another request spent the balance between its read and write).
    pub fn insufficient(context: &Context<'_>) -> Self {
        Problem::InsufficientFunds(context.money(context.available_money()))
    }
}

/// Decides a request for `amount` in `context`: the rules in the order the
/// member meets them (details, amount, minimum, maximum, fee, funds,
/// verification).
pub fn decide(context: &Context<'_>, amount: &AmountRequest) -> Result<Decision, Problem> {
    if !context.has_details {
        return Err(Problem::NoPayoutDetails(context.method_label));
    }
    let limits = &context.limits;
    let available = context.available_money();
    let gross = match amount {
        AmountRequest::Exact(text) => {
            parse_amount(text, &context.currency.code, context.currency.scale)?
        }
        AmountRequest::Minor(minor) if *minor < 0 => return Err(AmountError::Negative.into()),
        AmountRequest::Minor(0) => return Err(AmountError::Zero.into()),
        AmountRequest::Minor(minor) => *minor,
        AmountRequest::Max => {
            let cap = limits.max_minor.map_or(available, |max| max.min(available));
            if cap <= 0 {
                return Err(Problem::insufficient(context));
            }
            cap
        }
    };
    if gross < limits.min_minor {
        return Err(Problem::BelowMinimum(context.money(limits.min_minor)));
    }
    if let Some(max) = limits.max_minor.filter(|max| gross > *max) {
        return Err(Problem::AboveMaximum(context.money(max)));
    }
    let fee = limits.fee(gross);
    if fee >= gross {
        return Err(Problem::FeeExceedsAmount(context.money(fee)));
    }
    let debit = match context.rate {
        None => Some(gross),
        Some(rate) => rate.points_for_money(gross),
    };
    let Some(debit) = debit.filter(|debit| *debit <= context.balance) else {
        return Err(Problem::insufficient(context));
    };
    if let Some(threshold) = context.verification_threshold {
        if gross > threshold && !context.verified {
            return Err(Problem::NotVerified(context.money(threshold)));
        }
    }
    Ok(Decision {
        gross,
        fee,
        net: gross - fee,
        debit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::money::AssetKind;

    #[test]
    fn forms_read_the_maximum_box_and_the_amount_one_way() {
        let read = |amount: Option<&str>, max: Option<&str>| {
            AmountRequest::from_form(amount.map(str::to_owned), max)
        };
        assert_eq!(
            read(Some("25"), None),
            Ok(AmountRequest::Exact("25".into()))
        );
        assert_eq!(read(Some("25"), Some("on")), Ok(AmountRequest::Max));
        assert_eq!(read(None, Some("1")), Ok(AmountRequest::Max));
        // An empty box is not ticked; an empty amount is missing.
        assert_eq!(
            read(Some("25"), Some("")),
            Ok(AmountRequest::Exact("25".into()))
        );
        assert_eq!(read(Some("  "), None), Err(AmountMissing));
        assert_eq!(read(None, None), Err(AmountMissing));
        // Spaces around a number are the decision's to refuse, with its message.
        assert_eq!(
            read(Some(" 12 "), None),
            Ok(AmountRequest::Exact(" 12 ".into()))
        );
    }

    fn usd() -> AssetView {
        AssetView {
            id: 1,
            code: "USD".into(),
            kind: AssetKind::Currency,
            scale: 2,
        }
    }

    fn limits() -> MethodLimits {
        MethodLimits {
            min_minor: 500,
            max_minor: Some(100_000),
            fee_fixed_minor: 30,
            fee_basis_points: 290,
            fee_min_minor: 0,
            fee_max_minor: None,
        }
    }

    fn context(currency: &AssetView, balance: i64) -> Context<'_> {
        Context {
            balance,
            currency,
            rate: None,
            method_label: "PayPal",
            limits: limits(),
            has_details: true,
            verification_threshold: Some(50_000),
            verified: false,
        }
    }

    #[test]
    fn an_amount_already_in_minor_units_is_decided_as_typed_would_be() {
        let usd = usd();
        let c = context(&usd, 10_000);
        assert_eq!(
            decide(&c, &AmountRequest::Minor(1_234)),
            decide(&c, &AmountRequest::Exact("12.34".into()))
        );
        assert_eq!(
            decide(&c, &AmountRequest::Minor(0)),
            decide(&c, &AmountRequest::Exact("0".into()))
        );
        assert_eq!(
            decide(&c, &AmountRequest::Minor(-5)),
            decide(&c, &AmountRequest::Exact("-0.05".into()))
        );
        assert_ne!(
            AmountRequest::Minor(2_500).canonical(),
            AmountRequest::Exact("2500".into()).canonical()
        );
    }

    #[test]
    fn the_fee_rounds_half_up_and_stays_within_its_bounds() {
        let l = limits();
        assert_eq!(l.fee(10_000), 30 + 290);
        assert_eq!(l.fee(1_234), 30 + 36);
        let capped = MethodLimits {
            fee_max_minor: Some(100),
            fee_min_minor: 50,
            fee_fixed_minor: 0,
            ..l
        };
        assert_eq!(capped.fee(1_000), 50);
        assert_eq!(capped.fee(1_000_000), 100);
        let double = MethodLimits {
            fee_basis_points: 20_000,
            ..l
        };
        assert_eq!(double.fee(i64::MAX), i64::MAX, "saturates, never wraps");
    }

    #[test]
    fn max_is_capped_by_the_method_and_refused_on_an_empty_wallet() {
        let usd = usd();
        assert_eq!(
            decide(&context(&usd, 500_000), &AmountRequest::Max).map(|d| d.gross),
            Err(Problem::NotVerified("500.00 USD".into()))
        );
        let verified = Context {
            verified: true,
            ..context(&usd, 500_000)
        };
        assert_eq!(
            decide(&verified, &AmountRequest::Max).unwrap().gross,
            100_000
        );
        assert_eq!(
            decide(&context(&usd, 0), &AmountRequest::Max),
            Err(Problem::InsufficientFunds("0.00 USD".into()))
        );
    }
}
