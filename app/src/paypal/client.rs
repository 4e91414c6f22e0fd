//! A client for the subset of the PayPal Payouts API Paydesk uses:
//! `POST /v1/oauth2/token`, `POST /v1/payments/payouts`,
//! `GET /v1/payments/payouts/{payout_batch_id}` (page by page) and
//! `POST /v1/notifications/verify-webhook-signature`.
//!
//! Every outcome that might hide a created batch (timeout, connection
//! lost, 5xx) is [`PayPalError::Ambiguous`]: the caller must not credit
//! the money back, and retries with the same `sender_batch_id`, which PayPal
//! never pays twice (within 30 days).

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::platform::state::PayPalConfig;
use crate::platform::AppState;

/// The process's one client (its OAuth2 token is reused), when PayPal is
/// configured. It is kept in the state's feature slots, so `platform`
/// names no PayPal type.
pub fn shared(state: &AppState) -> Option<Arc<PayPalClient>> {
    state.features.get::<Arc<PayPalClient>>().cloned()
}

/// One payment in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutItem {
    /// Our request id: PayPal reports each item's status under it.
    pub sender_item_id: String,
    /// The member's PayPal email.
    pub receiver: String,
    /// Decimal string, e.g. "12.50".
    pub value: String,
    pub currency: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    pub payout_batch_id: String,
    pub sender_batch_id: String,
    /// PENDING, PROCESSING, SUCCESS, DENIED, CANCELED.
    pub batch_status: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchItem {
    pub payout_item_id: String,
    pub sender_item_id: String,
    /// SUCCESS, FAILED, PENDING, UNCLAIMED, RETURNED, ONHOLD, BLOCKED,
    /// REFUNDED, REVERSED.
    pub transaction_status: String,
    /// PayPal's error name and message for the item, if any.
    pub error: Option<String>,
}

/// The transmission headers PayPal signs a webhook with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WebhookSignature {
    pub auth_algo: String,
    pub cert_url: String,
    pub transmission_id: String,
    pub transmission_sig: String,
    pub transmission_time: String,
}

#[derive(Serialize)]
struct VerifyBody<'a> {
    #[serde(flatten)]
    signature: &'a WebhookSignature,
    webhook_id: &'a str,
    /// The event exactly as PayPal sent it: parsing it and writing it again
    /// would reorder its keys and respace it, and PayPal checks the
    /// signature against the bytes.
    webhook_event: &'a serde_json::value::RawValue,
}

#[derive(Deserialize)]
struct VerifyAnswer {
    verification_status: String,
}

/// Items per page when reading a batch back (PayPal's maximum).
pub const PAGE_SIZE: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub header: BatchHeader,
    pub items: Vec<BatchItem>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayPalError {
    /// The request may or may not have taken effect.
    #[error("no definitive answer from PayPal: {0}")]
    Ambiguous(String),
    /// PayPal answered and refused (4xx): nothing happened.
    #[error("PayPal refused ({status} {name}): {message}")]
    Refused {
        status: u16,
        name: String,
        message: String,
    },
    /// PayPal answered something this client cannot read.
    #[error("unreadable answer from PayPal: {0}")]
    Unreadable(String),
}

struct Token {
    value: String,
    until: Instant,
}

pub struct PayPalClient {
    http: reqwest::Client,
    config: PayPalConfig,
    token: tokio::sync::Mutex<Option<Token>>,
}

// The wire format, as documented.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

#[derive(Serialize)]
struct CreateBody<'a> {
    sender_batch_header: SenderHeader<'a>,
    items: Vec<WireItem<'a>>,
}

#[derive(Serialize)]
struct SenderHeader<'a> {
    sender_batch_id: &'a str,
    email_subject: &'a str,
}

#[derive(Serialize)]
struct WireItem<'a> {
    recipient_type: &'static str,
    amount: WireAmount<'a>,
    receiver: &'a str,
    note: &'a str,
    sender_item_id: &'a str,
}

#[derive(Serialize)]
struct WireAmount<'a> {
    value: &'a str,
    currency: &'a str,
}

#[derive(Deserialize)]
struct WireBatch {
    batch_header: WireHeader,
    #[serde(default)]
    items: Vec<WireBatchItem>,
}

#[derive(Deserialize)]
struct WireHeader {
    payout_batch_id: String,
    batch_status: String,
    sender_batch_header: WireSenderHeader,
}

#[derive(Deserialize)]
struct WireSenderHeader {
    sender_batch_id: String,
}

#[derive(Deserialize)]
struct WireBatchItem {
    payout_item_id: String,
    transaction_status: String,
    payout_item: WireItemEcho,
    #[serde(default)]
    errors: Option<WireError>,
}

#[derive(Deserialize)]
struct WireItemEcho {
    sender_item_id: String,
}

#[derive(Deserialize, Default)]
struct WireError {
    #[serde(default)]
    name: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    links: Vec<WireLink>,
}

#[derive(Deserialize)]
struct WireLink {
    href: String,
}

impl From<WireHeader> for BatchHeader {
    fn from(h: WireHeader) -> Self {
        BatchHeader {
            payout_batch_id: h.payout_batch_id,
            sender_batch_id: h.sender_batch_header.sender_batch_id,
            batch_status: h.batch_status,
        }
    }
}

const BATCHES: &str = "/v1/payments/payouts";

/// A token is renewed this long before PayPal says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

fn ambiguous(err: reqwest::Error) -> PayPalError {
    PayPalError::Ambiguous(if err.is_timeout() {
        "timed out".to_owned()
    } else {
        // Without the URL: it is ours and says nothing new.
        err.without_url().to_string()
    })
}

async fn refusal(response: reqwest::Response) -> (u16, WireError) {
    let status = response.status().as_u16();
    let error = response.json::<WireError>().await.unwrap_or_default();
    (status, error)
}

/// A read or a check's answer: a 5xx may be anyone's fault and is
/// ambiguous; another failure is PayPal's refusal; a success is read.
async fn read_answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, PayPalError> {
    let status = response.status();
    if status.is_server_error() {
        return Err(PayPalError::Ambiguous(format!("PayPal answered {status}")));
    }
    if !status.is_success() {
        let (code, error) = refusal(response).await;
        return Err(PayPalError::Refused {
            status: code,
            name: error.name,
            message: error.message,
        });
    }
    response
        .json()
        .await
        .map_err(|err| PayPalError::Unreadable(err.to_string()))
}

impl PayPalClient {
    pub fn new(config: PayPalConfig, timeout: Duration) -> Result<Self, PayPalError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|err| PayPalError::Unreadable(err.to_string()))?;
        Ok(PayPalClient {
            http,
            config,
            token: tokio::sync::Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// The OAuth2 client-credentials token, cached until shortly before it
    /// expires.
    async fn access_token(&self) -> Result<String, PayPalError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.until > Instant::now()) {
            return Ok(token.value.clone());
        }
        let response = self
            .http
            .post(self.url("/v1/oauth2/token"))
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(ambiguous)?;
        if !response.status().is_success() {
            let (status, error) = refusal(response).await;
            return Err(PayPalError::Refused {
                status,
                name: error.name,
                message: if error.message.is_empty() {
                    "the client id or secret was refused".into()
                } else {
                    error.message
                },
            });
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|err| PayPalError::Unreadable(err.to_string()))?;
        let lifetime = Duration::from_secs(answer.expires_in).saturating_sub(TOKEN_MARGIN);
        *cached = Some(Token {
            value: answer.access_token.clone(),
            until: Instant::now() + lifetime,
        });
        Ok(answer.access_token)
    }

    /// Creates the batch, or finds the one PayPal already made under this
    /// `sender_batch_id` (a retry after an ambiguous outcome).
    pub async fn create_batch(
        &self,
        sender_batch_id: &str,
        email_subject: &str,
        items: &[PayoutItem],
    ) -> Result<BatchHeader, PayPalError> {
        let body = CreateBody {
            sender_batch_header: SenderHeader {
                sender_batch_id,
                email_subject,
            },
            items: items
                .iter()
                .map(|item| WireItem {
                    recipient_type: "EMAIL",
                    amount: WireAmount {
                        value: &item.value,
                        currency: &item.currency,
                    },
                    receiver: &item.receiver,
                    note: &item.note,
                    sender_item_id: &item.sender_item_id,
                })
                .collect(),
        };
        let token = self.access_token().await?;
        let response = self
            .http
            .post(self.url(BATCHES))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(ambiguous)?;
        let status = response.status();
        if status.is_success() {
            let batch: WireBatch = response
                .json()
                .await
                .map_err(|err| PayPalError::Ambiguous(format!("answer lost: {err}")))?;
            return Ok(batch.batch_header.into());
        }
        if status.is_server_error() {
            return Err(PayPalError::Ambiguous(format!("PayPal answered {status}")));
        }
        let (code, error) = refusal(response).await;
        // A duplicate sender_batch_id: PayPal links the original batch.
        let original = error
            .links
            .iter()
            .find_map(|link| link.href.split_once(&format!("{BATCHES}/")))
            .map(|(_, id)| id.split(['?', '/']).next().unwrap_or(id).to_owned());
        if let Some(id) = original {
            let existing = self.get_batch(&id).await?;
            if existing.header.sender_batch_id == sender_batch_id {
                return Ok(existing.header);
            }
        }
        // A duplicate that names no batch still says PayPal has ours: never
        // a refusal (that would credit back money PayPal is paying out).
        // It stays unconfirmed and is asked again under the same id.
        if says_duplicate(&error.name, &error.message) {
            return Err(PayPalError::Ambiguous(format!(
                "PayPal says this batch was sent already ({}: {}); asking again until it names it",
                error.name, error.message
            )));
        }
        Err(PayPalError::Refused {
            status: code,
            name: error.name,
            message: error.message,
        })
    }

    /// Asks for a token now, so a refused credential is known before
    /// anything is recorded.
    pub async fn check_credentials(&self) -> Result<(), PayPalError> {
        self.access_token().await.map(|_| ())
    }

    /// Reads a batch and all its items, page by page.
    pub async fn get_batch(&self, payout_batch_id: &str) -> Result<Batch, PayPalError> {
        let mut page = 1;
        let mut batch = self.get_batch_page(payout_batch_id, page).await?;
        let mut last = batch.items.len();
        while last == PAGE_SIZE {
            page += 1;
            let next = self.get_batch_page(payout_batch_id, page).await?;
            last = next.items.len();
            batch.items.extend(next.items);
        }
        Ok(batch)
    }

    async fn get_batch_page(
        &self,
        payout_batch_id: &str,
        page: usize,
    ) -> Result<Batch, PayPalError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .get(self.url(&format!("{BATCHES}/{payout_batch_id}")))
            .query(&[("page", page), ("page_size", PAGE_SIZE)])
            .bearer_auth(token)
            .send()
            .await
            .map_err(ambiguous)?;
        let batch: WireBatch = read_answer(response).await?;
        Ok(Batch {
            header: batch.batch_header.into(),
            items: batch
                .items
                .into_iter()
                .map(|item| BatchItem {
                    payout_item_id: item.payout_item_id,
                    sender_item_id: item.payout_item.sender_item_id,
                    transaction_status: item.transaction_status,
                    error: item.errors.map(|e| format!("{}: {}", e.name, e.message)),
                })
                .collect(),
        })
    }

    /// Whether PayPal confirms that it sent this webhook event to our
    /// webhook. `false` is a definitive "no".
    pub async fn verify_webhook_signature(
        &self,
        signature: &WebhookSignature,
        webhook_id: &str,
        event: &serde_json::value::RawValue,
    ) -> Result<bool, PayPalError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .post(self.url("/v1/notifications/verify-webhook-signature"))
            .bearer_auth(token)
            .json(&VerifyBody {
                signature,
                webhook_id,
                webhook_event: event,
            })
            .send()
            .await
            .map_err(ambiguous)?;
        let answer: VerifyAnswer = read_answer(response).await?;
        Ok(answer.verification_status == "SUCCESS")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_not_in_debug_output() {
        let config = PayPalConfig {
            base_url: "https://api-m.sandbox.paypal.com".into(),
            client_id: "id".into(),
            client_secret: "s3cr3t".into(),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }
}

/// Whether PayPal's refusal of a create call says the batch exists already.
fn says_duplicate(name: &str, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    name.to_ascii_uppercase().contains("DUPLICATE")
        || message.contains("already exists")
        || message.contains("used already")
        || message.contains("duplicate")
}

#[cfg(test)]
mod duplicate_tests {
    use super::says_duplicate;

    #[test]
    fn duplicate_answers_are_recognised_by_name_or_wording() {
        assert!(says_duplicate("DUPLICATE_REQUEST_ID", ""));
        assert!(says_duplicate(
            "USER_BUSINESS_ERROR",
            "Batch with given sender_batch_id already exists"
        ));
        assert!(!says_duplicate(
            "INSUFFICIENT_FUNDS",
            "Sender does not have sufficient funds"
        ));
        assert!(!says_duplicate("VALIDATION_ERROR", "Invalid request"));
    }
}
