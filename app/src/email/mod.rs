//! Email to members: notices written to the outbox in the transaction of
//! the change that causes them (`notice`), composed from templates kept in
//! `templates/` (`compose`, `template`), delivered over SMTP with lettre by
//! a background worker with retries and backoff (`worker`, `mailer`), and
//! watched by admins on `/admin/email` (`service`, `pages`).

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod compose;
#[cfg(feature = "ssr")]
pub mod digest;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod mailer;
#[cfg(feature = "ssr")]
pub mod notice;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod template;
#[cfg(feature = "ssr")]
pub mod worker;

use serde::{Deserialize, Serialize};

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not sent yet: due now, or waiting for its next attempt.
    Waiting,
    Sent,
    /// The change it was written for tells the member nothing.
    Skipped,
    /// Given up on; an admin may retry it.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Waiting => "waiting",
            DeliveryState::Sent => "sent",
            DeliveryState::Skipped => "skipped",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            DeliveryState::Waiting,
            DeliveryState::Sent,
            DeliveryState::Skipped,
            DeliveryState::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// What a message is about, for people.
pub fn kind_label(kind: &str) -> String {
    match kind {
        "withdrawal.requested" => "Withdrawal request received",
        "withdrawal.approved" => "Withdrawal approved",
        "withdrawal.processing" => "Withdrawal processing",
        "withdrawal.paid" => "Withdrawal paid",
        "withdrawal.rejected" => "Withdrawal rejected",
        "withdrawal.canceled" => "Withdrawal canceled",
        "withdrawal.failed" => "Withdrawal failed",
        "withdrawal.returned" => "Withdrawal returned",
        "incentive.paid" => "Incentives paid",
        "verification.verified" => "Identity verified",
        "verification.rejected" => "Identity not verified",
        "password.reset" => "Password reset link",
        "account.invite" => "Invitation to claim an account",
        "email.confirm" => "Email confirmation link",
        "account.signup_attempted" => "Sign-up attempt with a taken address",
        "paypal.unclaimed" => "PayPal payout waiting to be accepted",
        "paypal.unclaimed_overdue" => "PayPal payout still not accepted",
        "admin.digest" => "Daily digest for admins",
        other => return other.to_owned(),
    }
    .to_owned()
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailQuery {
    /// A [`DeliveryState`], or empty for all.
    #[serde(default)]
    pub state: String,
    #[serde(default = "first_page")]
    pub page: u64,
}

fn first_page() -> u64 {
    1
}

pub const EMAIL_PAGE_SIZE: u64 = 25;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub created_at: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Sent, given up, or next attempt, as a time.
    pub when: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailList {
    pub rows: Vec<EmailRow>,
    pub total: u64,
    pub page: u64,
    /// Counts for the whole outbox.
    pub waiting: u64,
    pub dead: u64,
    /// False: messages wait until an SMTP server is configured.
    pub smtp_configured: bool,
    /// The daily digest to admins is on.
    pub digest: bool,
    /// What the viewing admin's role may do here (the page hides the rest).
    pub can_retry: bool,
    pub can_switch_digest: bool,
}

impl EmailList {
    pub fn pages(&self) -> u64 {
        crate::ui::list::page_count(self.total, EMAIL_PAGE_SIZE)
    }
}
