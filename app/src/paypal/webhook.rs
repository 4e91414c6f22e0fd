//! `POST /api/paypal/webhook`: PayPal's notifications about payout items
//! and batches. Nothing in an event is believed until PayPal itself says
//! the signature is its own (verify-webhook-signature, against our webhook
//! id); a forged or unverifiable call changes nothing.
//!
//! Answers: 200 once applied (or known and ignored), so PayPal stops
//! sending; 400 for an unverified or malformed call; 503 when PayPal could
//! not be asked, so it sends again later.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::client::{PayPalError, WebhookSignature};
use super::sync::{apply_report, read_batch, Report, Source};
use crate::entities::paypal_batch;
use crate::platform::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub const WEBHOOK_PATH: &str = "/api/paypal/webhook";

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn answer(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// PayPal's item status from the event, or from its type when the
/// resource leaves it out.
fn item_status(event_type: &str, resource: &Value) -> Option<String> {
    if let Some(status) = resource["transaction_status"].as_str() {
        return Some(status.to_owned());
    }
    let suffix = event_type.strip_prefix("PAYMENT.PAYOUTS-ITEM.")?;
    Some(
        match suffix {
            "SUCCEEDED" => "SUCCESS",
            "HELD" => "ONHOLD",
            other => other,
        }
        .to_owned(),
    )
}

pub async fn receive(
    State(state): State<AppState>,
    address: Option<axum::Extension<crate::platform::request::ClientIp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Anyone can call this: a flood is turned away here, before it costs
    // a verification call to PayPal each.
    let address = address.map(|axum::Extension(ip)| ip.0);
    if let Err(wait) = state.limits.webhook_call(address.as_deref()) {
        let seconds = crate::platform::limits::retry_after_seconds(wait);
        tracing::warn!(?address, "PayPal webhook calls over the limit");
        let mut refused = answer(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many calls; send again later",
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
            refused
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        return refused;
    }
    let (Some(client), Some(webhook_id)) = (
        super::client::shared(&state),
        state
            .settings
            .paypal
            .as_ref()
            .and_then(|paypal| paypal.webhook_id.clone()),
    ) else {
        return answer(StatusCode::NOT_FOUND, "PayPal webhooks are not configured");
    };
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "The body is not JSON");
    };
    // What PayPal is asked to confirm: the bytes as received.
    let Ok(raw) = std::str::from_utf8(&body)
        .map_err(|_| ())
        .and_then(|text| serde_json::value::RawValue::from_string(text.to_owned()).map_err(|_| ()))
    else {
        return answer(StatusCode::BAD_REQUEST, "The body is not JSON");
    };
    let signature = WebhookSignature {
        auth_algo: header(&headers, "paypal-auth-algo"),
        cert_url: header(&headers, "paypal-cert-url"),
        transmission_id: header(&headers, "paypal-transmission-id"),
        transmission_sig: header(&headers, "paypal-transmission-sig"),
        transmission_time: header(&headers, "paypal-transmission-time"),
    };
    if signature.transmission_sig.is_empty() || signature.transmission_id.is_empty() {
        tracing::warn!("refused a PayPal webhook without a signature");
        return answer(StatusCode::BAD_REQUEST, "The webhook is not signed");
    }
    match client
        .verify_webhook_signature(&signature, &webhook_id, &raw)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(transmission = %signature.transmission_id, "refused a PayPal webhook whose signature PayPal did not confirm");
            return answer(
                StatusCode::BAD_REQUEST,
                "The webhook signature is not valid",
            );
        }
        Err(PayPalError::Refused { message, .. }) => {
            tracing::warn!(error = %message, "PayPal refused to verify a webhook");
            return answer(StatusCode::BAD_REQUEST, "The webhook could not be verified");
        }
        Err(err) => {
            tracing::warn!(error = %err, "could not verify a PayPal webhook; PayPal will send it again");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "Verification unavailable; send again later",
            );
        }
    }

    let event_type = event["event_type"].as_str().unwrap_or_default();
    let resource = &event["resource"];
    let result = if event_type.starts_with("PAYMENT.PAYOUTS-ITEM.") {
        let Some(status) = item_status(event_type, resource) else {
            return answer(StatusCode::BAD_REQUEST, "The event has no item status");
        };
        let error = resource["errors"]["name"].as_str().map(|name| {
            match resource["errors"]["message"].as_str() {
                Some(message) => format!("{name}: {message}"),
                None => name.to_owned(),
            }
        });
        let report = Report {
            payout_item_id: resource["payout_item_id"].as_str().map(str::to_owned),
            sender_item_id: resource["payout_item"]["sender_item_id"]
                .as_str()
                .map(str::to_owned),
            status,
            error,
            source: Source::Webhook,
            event_id: event["id"].as_str().map(str::to_owned),
        };
        apply_report(&state.db, &state.clock, &report)
            .await
            .map(|applied| applied.moved())
    } else if event_type.starts_with("PAYMENT.PAYOUTSBATCH.") {
        // A batch changed: read it back, which settles its items too.
        let id = resource["batch_header"]["payout_batch_id"]
            .as_str()
            .unwrap_or_default();
        match paypal_batch::Entity::find()
            .filter(paypal_batch::Column::PayoutBatchId.eq(id))
            .one(&state.db)
            .await
        {
            Ok(Some(batch)) => read_batch(&state.db, &state.clock, &client, &batch)
                .await
                .map(|moved| moved > 0),
            Ok(None) => Ok(false),
            Err(err) => Err(err.into()),
        }
    } else {
        Ok(false)
    };
    match result {
        Ok(moved) => {
            if moved {
                state.live.requests_changed(&state.db).await;
            }
            answer(StatusCode::OK, "ok")
        }
        Err(err) => {
            tracing::error!(error = %err, "could not apply a PayPal webhook; PayPal will send it again");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not applied; send again later",
            )
        }
    }
}
