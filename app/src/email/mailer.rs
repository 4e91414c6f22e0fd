//! Sending one composed message over SMTP with lettre.

use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::str::FromStr;

use super::compose::Composed;
use crate::platform::state::MailSettings;

/// The SMTP connection settings and the sender, checked once at start-up.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of Message-IDs: the sender's domain.
    domain: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("PAYDESK_MAIL_FROM is not an email address: {0}")]
    From(String),
    #[error("PAYDESK_SMTP_URL cannot be used: {0}")]
    Url(String),
}

impl Mailer {
    /// None when no SMTP server is configured.
    pub fn from_settings(mail: &MailSettings) -> Result<Option<Mailer>, MailerError> {
        let from =
            Mailbox::from_str(&mail.from).map_err(|err| MailerError::From(err.to_string()))?;
        let Some(url) = &mail.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // The error may quote the URL, and with it a password.
            .map_err(|_| {
                MailerError::Url("expected smtp://host:port or smtps://user:pass@host".into())
            })?
            .timeout(Some(mail.smtp_timeout))
            .build();
        let domain = from.email.domain().to_owned();
        Ok(Some(Mailer {
            transport,
            from,
            domain,
        }))
    }

    /// The Message-ID of an outbox row: the same on every attempt, so a
    /// message delivered twice (a crash after sending, before recording it)
    /// is recognisable as one.
    pub fn message_id(&self, outbox_id: i64) -> String {
        format!("<outbox.{outbox_id}@{}>", self.domain)
    }

    pub async fn send(&self, outbox_id: i64, message: &Composed) -> Result<(), String> {
        let to = Mailbox::new(
            Some(message.to_name.clone()),
            message
                .to_email
                .parse()
                .map_err(|err| format!("recipient address {:?}: {err}", message.to_email))?,
        );
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(self.message_id(outbox_id)))
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|err| format!("cannot build the message: {err}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|err| format!("SMTP: {err}"))
    }
}
