//! What an outbox row asks to tell a member: typed here, stored as the
//! row's `kind` and a JSON payload. Written by the change that causes it, in
//! its transaction ([`enqueue`]); read back by the delivery worker.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};

use crate::entities::outbox_message;
use crate::withdrawals::WithdrawalStatus;

/// Why a password link was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// "Forgot password": valid for an hour.
    Reset,
    /// An account made for the member (by an admin or the earnings API):
    /// the member claims it by choosing a password. Valid for a week.
    Invite,
    /// Sign-up: proves the address belongs to whoever signed up (the link
    /// and the account's password together). Valid for a day.
    Confirm,
    /// An owner invited an admin to the team: the invitee chooses a
    /// password. Valid for three days.
    TeamInvite,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Reset => "reset",
            LinkPurpose::Invite => "invite",
            LinkPurpose::Confirm => "confirm",
            LinkPurpose::TeamInvite => "team_invite",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            LinkPurpose::Reset,
            LinkPurpose::Invite,
            LinkPurpose::Confirm,
            LinkPurpose::TeamInvite,
        ]
        .into_iter()
        .find(|p| p.as_str() == value)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A withdrawal request reached `status`. The facts of that moment
    /// (note, receipt, payment date) travel with it; amounts are read from
    /// the request, which never changes them.
    Withdrawal {
        request_id: i64,
        status: WithdrawalStatus,
        note: Option<String>,
        external_reference: Option<String>,
        payment_date: Option<String>,
    },
    /// Incentives paid to the member in one journal entry.
    IncentivePaid {
        entry_id: i64,
        incentive_ids: Vec<i64>,
        asset: String,
        /// Decimal string in the asset's units.
        amount: String,
    },
    Verification {
        approved: bool,
        note: Option<String>,
    },
    /// A link that sets the password. The token is only here until the
    /// message is delivered (the worker blanks it then); the database keeps
    /// its hash.
    PasswordLink {
        purpose: LinkPurpose,
        token: String,
        expires_at: DateTime<Utc>,
    },
    /// To an admin: withdrawal requests waiting (the daily digest).
    AdminDigest { waiting: u64 },
    /// To the owner of an address: someone tried to sign up with it. Sign-up
    /// answers alike for new and taken addresses; this is how the owner
    /// hears of it (and how they get back in, if it was them).
    SignUpAttempted,
    /// A PayPal payout waits for the member to accept it (unclaimed); sent
    /// when PayPal first says so, and again past its claim period.
    PayPalUnclaimed { request_id: i64, overdue: bool },
}

#[derive(Serialize, Deserialize)]
struct WithdrawalPayload {
    request_id: i64,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    external_reference: Option<String>,
    #[serde(default)]
    payment_date: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct IncentivePayload {
    entry_id: i64,
    incentive_ids: Vec<i64>,
    asset: String,
    amount: String,
}

#[derive(Serialize, Deserialize)]
struct VerificationPayload {
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DigestPayload {
    waiting: u64,
}

#[derive(Serialize, Deserialize)]
struct LinkPayload {
    token: String,
    expires_at: DateTime<Utc>,
}

const WITHDRAWAL: &str = "withdrawal.";
pub const PASSWORD_RESET: &str = "password.reset";
pub const ACCOUNT_INVITE: &str = "account.invite";
pub const EMAIL_CONFIRM: &str = "email.confirm";
pub const TEAM_INVITE: &str = "team.invite";
const SIGN_UP_ATTEMPTED: &str = "account.signup_attempted";
const PAYPAL_UNCLAIMED: &str = "paypal.unclaimed";
const PAYPAL_UNCLAIMED_OVERDUE: &str = "paypal.unclaimed_overdue";

/// The kinds whose payload carries a link's token until delivery.
pub fn carries_token(kind: &str) -> bool {
    matches!(
        kind,
        PASSWORD_RESET | ACCOUNT_INVITE | EMAIL_CONFIRM | TEAM_INVITE
    )
}
const ADMIN_DIGEST: &str = "admin.digest";

impl Notice {
    pub fn kind(&self) -> String {
        match self {
            Notice::Withdrawal { status, .. } => format!("{WITHDRAWAL}{}", status.as_str()),
            Notice::IncentivePaid { .. } => "incentive.paid".to_owned(),
            Notice::Verification { approved: true, .. } => "verification.verified".to_owned(),
            Notice::Verification {
                approved: false, ..
            } => "verification.rejected".to_owned(),
            Notice::PasswordLink {
                purpose: LinkPurpose::Reset,
                ..
            } => PASSWORD_RESET.to_owned(),
            Notice::PasswordLink {
                purpose: LinkPurpose::Invite,
                ..
            } => ACCOUNT_INVITE.to_owned(),
            Notice::PasswordLink {
                purpose: LinkPurpose::Confirm,
                ..
            } => EMAIL_CONFIRM.to_owned(),
            Notice::PasswordLink {
                purpose: LinkPurpose::TeamInvite,
                ..
            } => TEAM_INVITE.to_owned(),
            Notice::AdminDigest { .. } => ADMIN_DIGEST.to_owned(),
            Notice::SignUpAttempted => SIGN_UP_ATTEMPTED.to_owned(),
            Notice::PayPalUnclaimed { overdue: false, .. } => PAYPAL_UNCLAIMED.to_owned(),
            Notice::PayPalUnclaimed { overdue: true, .. } => PAYPAL_UNCLAIMED_OVERDUE.to_owned(),
        }
    }

    pub fn payload(&self) -> String {
        let value = match self {
            Notice::Withdrawal {
                request_id,
                note,
                external_reference,
                payment_date,
                ..
            } => serde_json::to_value(WithdrawalPayload {
                request_id: *request_id,
                note: note.clone(),
                external_reference: external_reference.clone(),
                payment_date: payment_date.clone(),
            }),
            Notice::IncentivePaid {
                entry_id,
                incentive_ids,
                asset,
                amount,
            } => serde_json::to_value(IncentivePayload {
                entry_id: *entry_id,
                incentive_ids: incentive_ids.clone(),
                asset: asset.clone(),
                amount: amount.clone(),
            }),
            Notice::Verification { note, .. } => {
                serde_json::to_value(VerificationPayload { note: note.clone() })
            }
            Notice::PasswordLink {
                token, expires_at, ..
            } => serde_json::to_value(LinkPayload {
                token: token.clone(),
                expires_at: *expires_at,
            }),
            Notice::AdminDigest { waiting } => {
                serde_json::to_value(DigestPayload { waiting: *waiting })
            }
            Notice::SignUpAttempted => Ok(serde_json::json!({})),
            Notice::PayPalUnclaimed { request_id, .. } => {
                Ok(serde_json::json!({ "request_id": request_id }))
            }
        };
        value.map(|v| v.to_string()).unwrap_or_else(|_| "{}".into())
    }

    /// Reads a row back. An error names what is wrong: such a row can never
    /// be sent, and the worker gives up on it at once.
    pub fn parse(kind: &str, payload: &str) -> Result<Notice, String> {
        fn json<T: for<'de> Deserialize<'de>>(payload: &str) -> Result<T, String> {
            serde_json::from_str(payload).map_err(|err| format!("unreadable payload: {err}"))
        }
        if let Some(status) = kind.strip_prefix(WITHDRAWAL) {
            let status = WithdrawalStatus::parse(status)
                .ok_or_else(|| format!("unknown withdrawal status in {kind:?}"))?;
            let p: WithdrawalPayload = json(payload)?;
            return Ok(Notice::Withdrawal {
                request_id: p.request_id,
                status,
                note: p.note,
                external_reference: p.external_reference,
                payment_date: p.payment_date,
            });
        }
        match kind {
            "incentive.paid" => {
                let p: IncentivePayload = json(payload)?;
                Ok(Notice::IncentivePaid {
                    entry_id: p.entry_id,
                    incentive_ids: p.incentive_ids,
                    asset: p.asset,
                    amount: p.amount,
                })
            }
            "verification.verified" | "verification.rejected" => {
                let p: VerificationPayload = json(payload)?;
                Ok(Notice::Verification {
                    approved: kind == "verification.verified",
                    note: p.note,
                })
            }
            PASSWORD_RESET | ACCOUNT_INVITE | EMAIL_CONFIRM | TEAM_INVITE => {
                let p: LinkPayload = json(payload)?;
                Ok(Notice::PasswordLink {
                    purpose: match kind {
                        PASSWORD_RESET => LinkPurpose::Reset,
                        ACCOUNT_INVITE => LinkPurpose::Invite,
                        TEAM_INVITE => LinkPurpose::TeamInvite,
                        _ => LinkPurpose::Confirm,
                    },
                    token: p.token,
                    expires_at: p.expires_at,
                })
            }
            ADMIN_DIGEST => {
                let p: DigestPayload = json(payload)?;
                Ok(Notice::AdminDigest { waiting: p.waiting })
            }
            SIGN_UP_ATTEMPTED => Ok(Notice::SignUpAttempted),
            PAYPAL_UNCLAIMED | PAYPAL_UNCLAIMED_OVERDUE => {
                #[derive(Deserialize)]
                struct Payload {
                    request_id: i64,
                }
                let p: Payload = json(payload)?;
                Ok(Notice::PayPalUnclaimed {
                    request_id: p.request_id,
                    overdue: kind == PAYPAL_UNCLAIMED_OVERDUE,
                })
            }
            other => Err(format!("no email is defined for {other:?}")),
        }
    }
}

/// Writes the notice to the outbox in the caller's transaction: the email
/// exists exactly when the change that causes it committed.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    recipient_user_id: i64,
    notice: &Notice,
) -> Result<(), DbErr> {
    outbox_message::Entity::insert(row(now, recipient_user_id, notice))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The outbox row for a notice, for callers that insert many at once.
pub fn row(
    now: DateTime<Utc>,
    recipient_user_id: i64,
    notice: &Notice,
) -> outbox_message::ActiveModel {
    outbox_message::ActiveModel {
        kind: Set(notice.kind()),
        recipient_user_id: Set(recipient_user_id),
        payload: Set(notice.payload()),
        created_at: Set(now),
        attempts: Set(0),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_reads_back_as_written() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let notices = [
            Notice::Withdrawal {
                request_id: 7,
                status: WithdrawalStatus::Paid,
                note: Some("Thanks".into()),
                external_reference: Some("RCPT-1".into()),
                payment_date: Some("2026-03-02".into()),
            },
            Notice::IncentivePaid {
                entry_id: 3,
                incentive_ids: vec![1, 2],
                asset: "USD".into(),
                amount: "12.50".into(),
            },
            Notice::Verification {
                approved: false,
                note: Some("Blurry".into()),
            },
            Notice::Verification {
                approved: true,
                note: None,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Invite,
                token: "t".into(),
                expires_at: at,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Reset,
                token: "t".into(),
                expires_at: at,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Confirm,
                token: "t".into(),
                expires_at: at,
            },
            Notice::AdminDigest { waiting: 4 },
            Notice::SignUpAttempted,
            Notice::PayPalUnclaimed {
                request_id: 9,
                overdue: false,
            },
            Notice::PayPalUnclaimed {
                request_id: 9,
                overdue: true,
            },
        ];
        for notice in notices {
            assert_eq!(
                Notice::parse(&notice.kind(), &notice.payload()),
                Ok(notice.clone())
            );
        }
        assert!(Notice::parse("newsletter", "{}").is_err());
        assert!(Notice::parse("withdrawal.paid", "not json").is_err());
    }
}
