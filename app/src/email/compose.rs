//! Turning an outbox row into the message a member receives: the notice,
//! the member, and what the database says now (amounts of a request never
//! change, so reading them at delivery is the same as at the event).

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use super::notice::{LinkPurpose, Notice};
use super::template::{render, Format, Values};
use crate::entities::{asset, outbox_message, user, withdrawal_request};
use crate::ledger::money::format_amount;
use crate::payout_details::method::PayoutMethod;
use crate::platform::state::MailSettings;
use crate::withdrawals::WithdrawalStatus;

/// A message ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Nothing to send, ever: the worker gives up on the row at once.
    #[error("{0}")]
    Unsendable(String),
    /// Worth trying again later.
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A template pair in `templates/`: the text's first line is its subject.
struct Template {
    text: &'static str,
    html: &'static str,
}

macro_rules! template {
    ($name:literal) => {
        Template {
            text: include_str!(concat!("templates/", $name, ".txt")),
            html: include_str!(concat!("templates/", $name, ".html")),
        }
    };
}

const LAYOUT_TEXT: &str = include_str!("templates/layout.txt");
const LAYOUT_HTML: &str = include_str!("templates/layout.html");

/// The template for a notice, or None when the member is not told (a
/// request moving to processing, or a member cancelling their own).
fn template_of(notice: &Notice) -> Option<Template> {
    Some(match notice {
        Notice::Withdrawal { status, .. } => match status {
            WithdrawalStatus::Requested => template!("withdrawal_requested"),
            WithdrawalStatus::Approved => template!("withdrawal_approved"),
            WithdrawalStatus::Paid => template!("withdrawal_paid"),
            WithdrawalStatus::Rejected
            | WithdrawalStatus::Canceled
            | WithdrawalStatus::Failed
            | WithdrawalStatus::Returned => template!("withdrawal_money_back"),
            WithdrawalStatus::Processing => return None,
        },
        Notice::IncentivePaid { .. } => template!("incentive_paid"),
        Notice::Verification { approved: true, .. } => template!("verification_verified"),
        Notice::Verification {
            approved: false, ..
        } => template!("verification_rejected"),
        Notice::PasswordLink {
            purpose: LinkPurpose::Reset,
            ..
        } => template!("password_reset"),
        Notice::PasswordLink {
            purpose: LinkPurpose::Invite,
            ..
        } => template!("account_invite"),
        Notice::PasswordLink {
            purpose: LinkPurpose::Confirm,
            ..
        } => template!("email_confirm"),
        Notice::PasswordLink {
            purpose: LinkPurpose::TeamInvite,
            ..
        } => template!("team_invite"),
        Notice::AdminDigest { .. } => template!("admin_digest"),
        Notice::SignUpAttempted => template!("signup_attempted"),
        Notice::PayPalUnclaimed { overdue: false, .. } => template!("paypal_unclaimed"),
        Notice::PayPalUnclaimed { overdue: true, .. } => template!("paypal_unclaimed_overdue"),
    })
}

/// Renders a template with its layout: subject, text and HTML.
fn fill(template: &Template, values: &Values) -> Result<(String, String, String), ComposeError> {
    let broken = |err: super::template::TemplateError| ComposeError::Unsendable(err.to_string());
    let text = render(template.text, values, Format::Text).map_err(broken)?;
    let (subject, body) = text
        .split_once('\n')
        .and_then(|(first, rest)| Some((first.strip_prefix("Subject: ")?, rest)))
        .ok_or_else(|| ComposeError::Unsendable("template has no subject line".into()))?;
    let subject = subject.trim().to_owned();
    let values = values.clone().set("subject", subject.clone());
    let text = render(LAYOUT_TEXT, &values, Format::Text)
        .map_err(broken)?
        .replace("<!-- body -->", body.trim());
    let html_body = render(template.html, &values, Format::Html).map_err(broken)?;
    let html = render(LAYOUT_HTML, &values, Format::Html)
        .map_err(broken)?
        .replace("<!-- body -->", html_body.trim());
    Ok((subject, text, html))
}

/// The values every template may use.
fn common(member: &user::Model, mail: &MailSettings) -> Values {
    let base = mail.public_url.trim_end_matches('/');
    Values::new()
        .set("name", member.display_name.clone())
        .set("app_url", base.to_owned())
        .set("account_url", format!("{base}/account"))
        .set("history_url", format!("{base}/account/withdrawals"))
        .set("verification_url", format!("{base}/account/verification"))
}

/// Composes the row's message, or None when the notice sends nothing.
pub async fn compose(
    conn: &impl ConnectionTrait,
    row: &outbox_message::Model,
    mail: &MailSettings,
) -> Result<Option<Composed>, ComposeError> {
    let notice = Notice::parse(&row.kind, &row.payload).map_err(ComposeError::Unsendable)?;
    let Some(template) = template_of(&notice) else {
        return Ok(None);
    };
    let member = user::Entity::find_by_id(row.recipient_user_id)
        .one(conn)
        .await?
        .ok_or_else(|| ComposeError::Unsendable("the recipient no longer exists".into()))?;
    let values = values_for(conn, &notice, common(&member, mail), mail).await?;
    let (subject, text, html) = fill(&template, &values)?;
    Ok(Some(Composed {
        to_email: member.email,
        to_name: member.display_name,
        subject,
        text,
        html,
    }))
}

async fn values_for(
    conn: &impl ConnectionTrait,
    notice: &Notice,
    values: Values,
    mail: &MailSettings,
) -> Result<Values, ComposeError> {
    Ok(match notice {
        Notice::Withdrawal {
            request_id,
            status,
            note,
            external_reference,
            payment_date,
        } => {
            let (request, currency) = request_and_currency(conn, *request_id).await?;
            let scale = u32::try_from(currency.scale).unwrap_or(0);
            let money = |minor: i64| format_amount(minor, &currency.code, scale);
            let method = PayoutMethod::parse(&request.method)
                .map_or(request.method.clone(), |m| m.label().to_owned());
            values
                .set("request_id", request.id.to_string())
                .set("gross", money(request.gross_minor))
                .set("fee", money(request.fee_minor))
                .set("net", money(request.net_minor))
                .set("method", method)
                .set("destination", request.payout_masked.unwrap_or_default())
                .set("note", note.clone().unwrap_or_default())
                .set("receipt", external_reference.clone().unwrap_or_default())
                .set("payment_date", payment_date.clone().unwrap_or_default())
                .set("outcome", outcome(*status))
        }
        Notice::IncentivePaid {
            incentive_ids,
            asset,
            amount,
            ..
        } => {
            let (minor, scale) = parse_decimal(amount).ok_or_else(|| {
                ComposeError::Unsendable(format!("amount {amount:?} is not a decimal"))
            })?;
            let count = match incentive_ids.len() {
                1 => "1 incentive".to_owned(),
                n => format!("{n} incentives"),
            };
            values
                .set("amount", format_amount(minor, asset, scale))
                .set("count", count)
        }
        Notice::Verification { note, .. } => values.set("note", note.clone().unwrap_or_default()),
        Notice::AdminDigest { waiting } => {
            let base = mail.public_url.trim_end_matches('/');
            values
                .set(
                    "waiting",
                    match waiting {
                        1 => "1 withdrawal request is".to_owned(),
                        n => format!("{n} withdrawal requests are"),
                    },
                )
                .set(
                    "payouts_url",
                    format!("{base}/admin/payouts?status=requested"),
                )
        }
        Notice::PayPalUnclaimed { request_id, .. } => {
            let (request, currency) = request_and_currency(conn, *request_id).await?;
            let scale = u32::try_from(currency.scale).unwrap_or(0);
            values
                .set("request_id", request.id.to_string())
                .set(
                    "net",
                    format_amount(request.net_minor, &currency.code, scale),
                )
                .set("destination", request.payout_masked.unwrap_or_default())
        }
        Notice::SignUpAttempted => {
            let base = mail.public_url.trim_end_matches('/');
            values
                .set("login_url", format!("{base}/login"))
                .set("forgot_url", format!("{base}/forgot-password"))
        }
        Notice::PasswordLink {
            purpose,
            token,
            expires_at,
        } => {
            if token.is_empty() {
                return Err(ComposeError::Unsendable(
                    "the link was already delivered".into(),
                ));
            }
            let base = mail.public_url.trim_end_matches('/');
            let page = match purpose {
                LinkPurpose::Confirm => "confirm-email",
                LinkPurpose::Reset | LinkPurpose::Invite | LinkPurpose::TeamInvite => {
                    "reset-password"
                }
            };
            values
                .set("link", format!("{base}/{page}?token={token}"))
                .set(
                    "expires",
                    expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                )
        }
    })
}

/// A request an email is about, with its payout currency: gone, the
/// email can never be sent.
async fn request_and_currency(
    conn: &impl ConnectionTrait,
    request_id: i64,
) -> Result<(withdrawal_request::Model, asset::Model), ComposeError> {
    let request = withdrawal_request::Entity::find_by_id(request_id)
        .one(conn)
        .await?
        .ok_or_else(|| ComposeError::Unsendable(format!("request {request_id} is gone")))?;
    let currency = asset::Entity::find_by_id(request.currency_asset_id)
        .one(conn)
        .await?
        .ok_or_else(|| ComposeError::Unsendable("the request's currency is gone".into()))?;
    Ok((request, currency))
}

/// How a request that gave its money back ended, as a subject says it.
fn outcome(status: WithdrawalStatus) -> &'static str {
    match status {
        WithdrawalStatus::Rejected => "rejected",
        WithdrawalStatus::Canceled => "canceled",
        WithdrawalStatus::Failed => "not paid: the payment failed",
        WithdrawalStatus::Returned => "returned: the payment came back",
        WithdrawalStatus::Requested
        | WithdrawalStatus::Approved
        | WithdrawalStatus::Processing
        | WithdrawalStatus::Paid => "updated",
    }
}

/// "12.50" -> (1250, 2).
fn parse_decimal(value: &str) -> Option<(i64, u32)> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let scale = u32::try_from(fraction.len()).ok()?;
    let minor = format!("{whole}{fraction}").parse().ok()?;
    Some((minor, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> user::Model {
        user::Model {
            id: 1,
            email: "ada@example.com".into(),
            display_name: "<script>alert(1)</script>".into(),
            password_hash: String::new(),
            role: "member".into(),
            is_active: true,
            is_verified: false,
            created_at: chrono::Utc::now(),
            email_confirmed_at: None,
            team_role: None,
            last_signed_in_at: None,
        }
    }

    /// Every template renders with the values its notice provides: no
    /// placeholder is left without one, and the name is escaped in HTML.
    #[test]
    fn every_template_renders_and_escapes_the_name() {
        let mail = MailSettings::default();
        let values = common(&member(), &mail)
            .set("request_id", "7")
            .set("gross", "10.00 USD")
            .set("fee", "0.50 USD")
            .set("net", "9.50 USD")
            .set("method", "PayPal")
            .set("destination", "a***@example.com")
            .set("note", "A note")
            .set("receipt", "RCPT-9")
            .set("payment_date", "2026-03-02")
            .set("outcome", "rejected")
            .set("amount", "12.50 USD")
            .set("count", "2 incentives")
            .set("link", "http://x/reset-password?token=t")
            .set("expires", "2026-03-02 10:00 UTC")
            .set("waiting", "3 withdrawal requests are")
            .set("payouts_url", "http://x/admin/payouts?status=requested")
            .set("login_url", "http://x/login")
            .set("forgot_url", "http://x/forgot-password");
        let at = chrono::Utc::now();
        let mut notices: Vec<Notice> = WithdrawalStatus::ALL
            .into_iter()
            .map(|status| Notice::Withdrawal {
                request_id: 7,
                status,
                note: None,
                external_reference: None,
                payment_date: None,
            })
            .collect();
        notices.extend([
            Notice::IncentivePaid {
                entry_id: 1,
                incentive_ids: vec![1],
                asset: "USD".into(),
                amount: "1.00".into(),
            },
            Notice::Verification {
                approved: true,
                note: None,
            },
            Notice::Verification {
                approved: false,
                note: None,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Reset,
                token: "t".into(),
                expires_at: at,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Invite,
                token: "t".into(),
                expires_at: at,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::Confirm,
                token: "t".into(),
                expires_at: at,
            },
            Notice::PasswordLink {
                purpose: LinkPurpose::TeamInvite,
                token: "t".into(),
                expires_at: at,
            },
            Notice::AdminDigest { waiting: 3 },
            Notice::SignUpAttempted,
            Notice::PayPalUnclaimed {
                request_id: 7,
                overdue: false,
            },
            Notice::PayPalUnclaimed {
                request_id: 7,
                overdue: true,
            },
        ]);
        for notice in &notices {
            let Some(template) = template_of(notice) else {
                continue;
            };
            let (subject, text, html) = fill(&template, &values).unwrap();
            assert!(!subject.is_empty() && !subject.contains("{{"), "{notice:?}");
            assert!(!text.contains("{{") && !html.contains("{{"), "{notice:?}");
            assert!(text.contains("<script>alert(1)</script>"), "{notice:?}");
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{notice:?}"
            );
            assert!(!html.contains("<script>"), "{notice:?}");
        }
    }

    #[test]
    fn decimal_amounts_parse_with_their_scale() {
        assert_eq!(parse_decimal("12.50"), Some((1250, 2)));
        assert_eq!(parse_decimal("800"), Some((800, 0)));
        assert_eq!(parse_decimal("-0.05"), Some((-5, 2)));
        assert_eq!(parse_decimal("x"), None);
    }
}
