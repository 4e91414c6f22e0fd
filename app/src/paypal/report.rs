//! What one of PayPal's item statuses means for a request: paid, failed
//! (the money goes back to the member) or still waiting, and why. Pure, so
//! the sync, the alerts and the tests read a report one way.

use chrono::Duration as Span;

/// PayPal's claim period: an unclaimed payment still unclaimed after this
/// long needs attention. Paydesk never credits it back on its own clock:
/// only PayPal's own answer (RETURNED, ...) does, so money that PayPal may
/// still deliver is never paid twice.
pub const UNCLAIMED_EXPIRY_DAYS: i64 = 30;

/// What PayPal's status means for the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    /// Not paid, or paid and taken back: the money returns to the member.
    Failed(String),
    /// Still at PayPal; the reason is shown to admins.
    Waiting(String),
}

/// A report that takes back a payment PayPal had made.
pub(crate) fn is_reversal(status: &str) -> bool {
    matches!(status, "RETURNED" | "REFUNDED" | "REVERSED")
}

/// PayPal's item status, read against how long the batch has existed (for
/// the reason shown while a payment stays unclaimed).
pub fn classify(status: &str, error: Option<&str>, age: Span) -> Outcome {
    let because = |text: &str| match error {
        Some(error) if !error.is_empty() => format!("{text} ({error})"),
        _ => text.to_owned(),
    };
    match status {
        "SUCCESS" => Outcome::Paid,
        "FAILED" => Outcome::Failed(because("PayPal could not pay it")),
        "BLOCKED" => Outcome::Failed(because("PayPal blocked the payment")),
        "DENIED" => Outcome::Failed(because("PayPal denied the payment")),
        "CANCELED" => Outcome::Failed(because("The payment was canceled at PayPal")),
        "RETURNED" => Outcome::Failed(because("PayPal returned the payment")),
        "REFUNDED" => Outcome::Failed(because("The payment was refunded")),
        "REVERSED" => Outcome::Failed(because("PayPal reversed the payment")),
        "UNCLAIMED" if age >= Span::days(UNCLAIMED_EXPIRY_DAYS) => Outcome::Waiting(because(
            "Unclaimed for over 30 days: needs attention. Nothing is credited back until \
             PayPal reports the payment returned",
        )),
        "UNCLAIMED" => Outcome::Waiting(because(
            "Unclaimed: the receiver has not accepted it yet (PayPal returns it if they never do)",
        )),
        "ONHOLD" => Outcome::Waiting(because("On hold at PayPal for review")),
        "PENDING" | "NEW" => Outcome::Waiting(because("PayPal is processing it")),
        other => Outcome::Waiting(because(&format!("PayPal reports {other}"))),
    }
}
