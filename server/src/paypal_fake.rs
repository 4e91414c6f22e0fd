//! A local server speaking the subset of the PayPal Payouts API Paydesk
//! uses, for tests and the end-to-end suite: token, create batch, get batch
//! (paged), verify webhook signature. It keeps batches in memory, checks
//! the credentials and the bearer token, refuses a duplicate
//! `sender_batch_id` the way PayPal does (400 with a link to the original),
//! and can be told to fail the next create calls: answer 500 without
//! creating anything, or create the batch and then answer 500 (a lost
//! answer). It signs the webhook events it makes, and confirms only those.
//!
//! For a browser test, `POST /fake/items/{sender_item_id}/{status}` sets an
//! item's status, as PayPal processing it would.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::Engine;
use serde_json::{json, Value};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

pub const CLIENT_ID: &str = "fake-client-id";
pub const CLIENT_SECRET: &str = "fake-client-secret";
/// What the fake signs webhooks with (PayPal uses its certificate).
const SIGNING_KEY: &str = "fake-paypal-signing-key";

/// What the next create call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 500, nothing created.
    Refuse,
    /// The batch is created, then 500: the caller cannot know.
    LoseAnswer,
    /// 422: PayPal refuses the batch; nothing is created.
    Invalid,
    /// The batch is created, and the answer comes after `STALL`: longer
    /// than a client's timeout.
    Stall,
    /// 429: too many requests; nothing created.
    RateLimit,
    /// When the batch exists already: 400 `DUPLICATE_REQUEST_ID` with no
    /// link to it (PayPal's idempotency answer, which names no batch).
    DuplicateWithoutLink,
}

/// How long a stalled answer takes.
pub const STALL: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Default)]
struct Inner {
    batches: BTreeMap<String, Value>,
    /// sender_batch_id -> payout_batch_id
    by_sender: BTreeMap<String, String>,
    tokens_issued: usize,
    creates: usize,
    next_failures: Vec<Failure>,
    issued: Vec<String>,
    webhooks_made: usize,
    verifications: usize,
}

#[derive(Clone, Default)]
pub struct FakePayPal {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

fn lock(inner: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn error(status: StatusCode, name: &str, message: &str, links: Value) -> Response {
    (
        status,
        Json(json!({ "name": name, "message": message, "debug_id": "fake", "links": links })),
    )
        .into_response()
}

impl FakePayPal {
    /// Serves on a free local port until the runtime ends.
    pub async fn start() -> std::io::Result<FakePayPal> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serves on `addr` until the runtime ends.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<FakePayPal> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let fake = FakePayPal {
            inner: Arc::default(),
            base_url: format!("http://{}", listener.local_addr()?),
        };
        let app = Router::new()
            .route("/v1/oauth2/token", post(token))
            .route("/v1/payments/payouts", post(create))
            .route("/v1/payments/payouts/{id}", get(read))
            .route(
                "/v1/notifications/verify-webhook-signature",
                post(verify_signature),
            )
            .route("/fake/items/{sender_item_id}/{status}", post(set_status))
            // A full batch of 15,000 items is a few megabytes.
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(fake)
    }

    /// A webhook event for an item, as PayPal would send it (with a fresh
    /// event id), and the headers that sign it for `webhook_id`.
    pub fn item_event(
        &self,
        webhook_id: &str,
        event_type: &str,
        sender_item_id: &str,
        status: &str,
    ) -> (Vec<(&'static str, String)>, String) {
        let item = lock(&self.inner)
            .batches
            .values()
            .flat_map(|batch| batch["items"].as_array().cloned().unwrap_or_default())
            .find(|item| item["payout_item"]["sender_item_id"] == sender_item_id)
            .unwrap_or_else(|| json!({ "payout_item": { "sender_item_id": sender_item_id } }));
        let mut resource = item;
        resource["transaction_status"] = json!(status);
        self.signed_event(webhook_id, event_type, "payouts_item", resource)
    }

    /// A batch webhook event (e.g. PAYMENT.PAYOUTSBATCH.SUCCESS), signed.
    pub fn batch_event(
        &self,
        webhook_id: &str,
        event_type: &str,
        payout_batch_id: &str,
    ) -> (Vec<(&'static str, String)>, String) {
        let header = lock(&self.inner)
            .batches
            .get(payout_batch_id)
            .map(|batch| batch["batch_header"].clone())
            .unwrap_or_else(|| json!({ "payout_batch_id": payout_batch_id }));
        self.signed_event(
            webhook_id,
            event_type,
            "payouts",
            json!({ "batch_header": header }),
        )
    }

    fn signed_event(
        &self,
        webhook_id: &str,
        event_type: &str,
        resource_type: &str,
        resource: Value,
    ) -> (Vec<(&'static str, String)>, String) {
        let n = {
            let mut inner = lock(&self.inner);
            inner.webhooks_made += 1;
            inner.webhooks_made
        };
        // Written by hand, as PayPal's own serializer does: keys not in
        // alphabetical order and spaced, so a receiver that re-serializes
        // the event before asking to verify it sends other bytes, and the
        // signature (over the bytes) no longer matches.
        let event = format!(
            "{{\"id\": {}, \"event_type\": {}, \"resource_type\": {}, \"resource\": {}}}",
            json!(format!("WH-FAKE-{n:06}")),
            json!(event_type),
            json!(resource_type),
            resource
        );
        let transmission_id = format!("fake-transmission-{n}");
        let time = "2026-11-30T00:00:00Z".to_owned();
        let sig = signature(&transmission_id, &time, webhook_id, &event);
        let headers = vec![
            ("paypal-auth-algo", "SHA256withRSA".to_owned()),
            (
                "paypal-cert-url",
                "https://fake.invalid/cert.pem".to_owned(),
            ),
            ("paypal-transmission-id", transmission_id),
            ("paypal-transmission-sig", sig),
            ("paypal-transmission-time", time),
        ];
        (headers, event)
    }

    /// The next create calls fail this way, in order.
    pub fn fail_next(&self, failures: &[Failure]) {
        lock(&self.inner).next_failures.extend_from_slice(failures);
    }

    /// How many verify-webhook-signature calls reached the fake.
    pub fn verifications(&self) -> usize {
        lock(&self.inner).verifications
    }

    pub fn tokens_issued(&self) -> usize {
        lock(&self.inner).tokens_issued
    }

    /// Create calls received, including refused and failed ones.
    pub fn creates(&self) -> usize {
        lock(&self.inner).creates
    }

    pub fn batch_count(&self) -> usize {
        lock(&self.inner).batches.len()
    }

    /// Sets an item's status (as PayPal would once it is processed).
    pub fn set_item_status(&self, sender_item_id: &str, status: &str) {
        self.set_item(sender_item_id, status, None);
    }

    /// Sets an item's status with PayPal's error for it.
    pub fn set_item_failure(&self, sender_item_id: &str, status: &str, name: &str, message: &str) {
        self.set_item(
            sender_item_id,
            status,
            Some(json!({ "name": name, "message": message })),
        );
    }

    fn set_item(&self, sender_item_id: &str, status: &str, errors: Option<Value>) {
        let mut inner = lock(&self.inner);
        for batch in inner.batches.values_mut() {
            if let Some(items) = batch["items"].as_array_mut() {
                for item in items {
                    if item["payout_item"]["sender_item_id"] == sender_item_id {
                        item["transaction_status"] = json!(status);
                        if let Some(errors) = &errors {
                            item["errors"] = errors.clone();
                        }
                    }
                }
            }
        }
    }
}

/// The fake's signature over what PayPal signs: the transmission, the
/// webhook and the event.
/// Over the event's exact text, as PayPal's signature covers the bytes.
fn signature(transmission_id: &str, time: &str, webhook_id: &str, event: &str) -> String {
    app::ledger::idempotency::fingerprint(&[SIGNING_KEY, transmission_id, time, webhook_id, event])
}

#[derive(serde::Deserialize)]
struct VerifyRequest<'a> {
    #[serde(default)]
    transmission_id: String,
    #[serde(default)]
    transmission_time: String,
    #[serde(default)]
    transmission_sig: String,
    #[serde(default)]
    webhook_id: String,
    #[serde(borrow)]
    webhook_event: Option<&'a serde_json::value::RawValue>,
}

async fn verify_signature(
    State(fake): State<FakePayPal>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!([]),
        );
    }
    lock(&fake.inner).verifications += 1;
    let Ok(body) = serde_json::from_slice::<VerifyRequest>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "Invalid request",
            json!([]),
        );
    };
    let event = body.webhook_event.map(|raw| raw.get()).unwrap_or_default();
    let expected = signature(
        &body.transmission_id,
        &body.transmission_time,
        &body.webhook_id,
        event,
    );
    let verdict = if body.transmission_sig == expected {
        "SUCCESS"
    } else {
        "FAILURE"
    };
    Json(json!({ "verification_status": verdict })).into_response()
}

async fn set_status(
    State(fake): State<FakePayPal>,
    Path((sender_item_id, status)): Path<(String, String)>,
) -> StatusCode {
    fake.set_item_status(&sender_item_id, &status);
    StatusCode::NO_CONTENT
}

fn bearer_ok(fake: &FakePayPal, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    given.is_some_and(|token| lock(&fake.inner).issued.iter().any(|t| t == token))
}

async fn token(State(fake): State<FakePayPal>, headers: HeaderMap, body: String) -> Response {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    if basic != Some(expected.as_str()) || body != "grant_type=client_credentials" {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client Authentication failed",
            json!([]),
        );
    }
    let mut inner = lock(&fake.inner);
    inner.tokens_issued += 1;
    let token = format!("A21AA-fake-{}", inner.tokens_issued);
    inner.issued.push(token.clone());
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payouts",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-FAKE",
        "expires_in": 32400,
        "nonce": "fake"
    }))
    .into_response()
}

async fn create(
    State(fake): State<FakePayPal>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!([]),
        );
    }
    let (stalls, response) = create_now(&fake, &body);
    if stalls {
        tokio::time::sleep(STALL).await;
    }
    response
}

/// The create call's effect and answer, under the lock (never held across
/// an await); `true` when the answer is to come late.
fn create_now(fake: &FakePayPal, body: &Value) -> (bool, Response) {
    let mut inner = lock(&fake.inner);
    inner.creates += 1;
    let failure = (!inner.next_failures.is_empty()).then(|| inner.next_failures.remove(0));
    if failure == Some(Failure::Refuse) {
        return (
            false,
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "Try again",
                json!([]),
            ),
        );
    }
    if failure == Some(Failure::RateLimit) {
        return (
            false,
            error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_REACHED",
                "Too many requests. Blocked due to rate limiting.",
                json!([]),
            ),
        );
    }
    if failure == Some(Failure::Invalid) {
        return (
            false,
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INSUFFICIENT_FUNDS",
                "Sender does not have sufficient funds",
                json!([]),
            ),
        );
    }
    let sender_batch_id = body["sender_batch_header"]["sender_batch_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if let Some(existing) = inner.by_sender.get(&sender_batch_id) {
        if failure == Some(Failure::DuplicateWithoutLink) {
            return (
                false,
                error(
                    StatusCode::BAD_REQUEST,
                    "DUPLICATE_REQUEST_ID",
                    "The value of PayPal-Request-Id or sender_batch_id has been used already",
                    json!([]),
                ),
            );
        }
        let href = format!("{}/v1/payments/payouts/{existing}", fake.base_url);
        return (
            false,
            error(
                StatusCode::BAD_REQUEST,
                "USER_BUSINESS_ERROR",
                &format!("Batch with given sender_batch_id already exists: {sender_batch_id}"),
                json!([{ "href": href, "rel": "self", "method": "GET" }]),
            ),
        );
    }
    let id = format!("FAKEBATCH{:05}", inner.batches.len() + 1);
    let items: Vec<Value> = body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            json!({
                "payout_item_id": format!("{id}ITEM{n:05}"),
                "transaction_status": "PENDING",
                "payout_batch_id": id,
                "payout_item": item,
            })
        })
        .collect();
    let batch = json!({
        "batch_header": {
            "payout_batch_id": id,
            "batch_status": "PENDING",
            "sender_batch_header": body["sender_batch_header"],
        },
        "items": items,
    });
    inner.batches.insert(id.clone(), batch.clone());
    inner.by_sender.insert(sender_batch_id, id);
    if failure == Some(Failure::Stall) {
        return (
            true,
            (
                StatusCode::CREATED,
                Json(json!({ "batch_header": batch["batch_header"] })),
            )
                .into_response(),
        );
    }
    if failure == Some(Failure::LoseAnswer) {
        return (
            false,
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "Try again",
                json!([]),
            ),
        );
    }
    (
        false,
        (
            StatusCode::CREATED,
            Json(json!({ "batch_header": batch["batch_header"] })),
        )
            .into_response(),
    )
}

#[derive(serde::Deserialize)]
struct Paging {
    page: Option<usize>,
    page_size: Option<usize>,
}

async fn read(
    State(fake): State<FakePayPal>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(paging): Query<Paging>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!([]),
        );
    }
    // PayPal pages items: 1000 at most per page, the first page by default.
    let size = paging.page_size.unwrap_or(1000).clamp(1, 1000);
    let page = paging.page.unwrap_or(1).max(1);
    match lock(&fake.inner).batches.get(&id) {
        Some(batch) => {
            let items: Vec<Value> = batch["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .skip((page - 1) * size)
                        .take(size)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            Json(json!({ "batch_header": batch["batch_header"], "items": items })).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "INVALID_RESOURCE_ID",
            "Batch not found",
            json!([]),
        ),
    }
}

/// `paydesk paypal-fake`: serves until interrupted (end-to-end tests and
/// trying Paydesk out without a PayPal account).
pub async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let fake = FakePayPal::start_on(addr).await?;
    println!(
        "fake PayPal at {} (PAYDESK_PAYPAL_BASE_URL={0}, PAYDESK_PAYPAL_CLIENT_ID={CLIENT_ID}, \
         PAYDESK_PAYPAL_CLIENT_SECRET={CLIENT_SECRET})",
        fake.base_url
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
