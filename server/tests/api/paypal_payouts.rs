//! "Send via PayPal" end to end against the local PayPal-speaking server:
//! batches recorded with the move to processing, ambiguous outcomes
//! reconciled under the same sender_batch_id, every item status mapped,
//! webhooks verified and applied once, and hands kept off requests PayPal
//! holds. The ledger verifies clean after every scenario.

use crate::client::{Answered, Refused};
use crate::helpers::{error_of, spawn_app_with, TestApp};
use crate::ledger_fixture::{act, assert_ledger_clean, balance, desk, key, request, Desk, Member};
use app::admin::api::AdminOverview;
use app::entities::{paypal_batch, paypal_event, paypal_item, withdrawal_request};
use app::payouts::{api::ActOnPayout, Selection};
use app::paypal::api::{PaypalStatus, PaypalTrail, ResolveAlert, SendViaPaypal};
use app::paypal::{
    client::{PayPalClient, PayPalConfig},
    service::{self as paypal, state},
    sync::{poll_once, Pass},
    SendOutcome,
};
use app::platform::{state::PayPalSettings, Settings};
use app::withdrawals::{service::WithdrawalError, WithdrawalAction, WithdrawalStatus};
use paydesk_server::paypal_fake::{Failure, FakePayPal, CLIENT_ID, CLIENT_SECRET};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::time::Duration;

const WEBHOOK_ID: &str = "WH-ID-PAYDESK-TEST";

struct Scene {
    app: TestApp,
    fake: FakePayPal,
    client: PayPalClient,
    desk: Desk,
}

async fn scene() -> Scene {
    scene_with_timeout(Duration::from_secs(5)).await
}

/// A scene whose PayPal client gives up waiting after `timeout`.
async fn scene_with_timeout(timeout: Duration) -> Scene {
    scene_configured(timeout, |_| {}).await
}

/// A scene with settings of its own.
async fn scene_configured(timeout: Duration, configure: impl FnOnce(&mut Settings)) -> Scene {
    let fake = FakePayPal::start().await.unwrap();
    let api = PayPalConfig {
        base_url: fake.base_url.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
    };
    let mut settings = Settings {
        paypal: Some(PayPalSettings {
            api: api.clone(),
            mode: "sandbox".into(),
            webhook_id: Some(WEBHOOK_ID.into()),
            // The tests drive polling themselves.
            poll_every: Duration::from_secs(3_600),
            timeout: Duration::from_secs(5),
        }),
        ..Settings::default()
    };
    configure(&mut settings);
    let app = spawn_app_with(settings, false).await;
    let desk = desk(&app).await;
    let client = PayPalClient::new(api, timeout).unwrap();
    Scene {
        app,
        fake,
        client,
        desk,
    }
}

impl Scene {
    /// A member with 100.00 USD and an approved PayPal request for `amount`.
    async fn approved(&self, name: &str, amount: &str) -> (Member, i64, i64) {
        let member = self.desk.member(&self.app, name).await;
        let wallet = self
            .desk
            .credit(&self.app, &member, &self.desk.usd, 10_000)
            .await;
        let view = request(&self.app, &member, wallet.id, "paypal", amount, &key())
            .await
            .unwrap();
        act(
            &self.app,
            self.desk.admin,
            view.id,
            WithdrawalAction::Approve,
            &key(),
        )
        .await
        .unwrap();
        (member, wallet.id, view.id)
    }

    async fn send(&self, ids: &[i64]) -> SendOutcome {
        paypal::send(
            &self.app.state.db,
            &self.app.clock,
            &self.client,
            self.desk.admin.user_id,
            ids,
            &key(),
        )
        .await
        .unwrap()
    }

    async fn poll(&self) -> Pass {
        poll_once(&self.app.state.db, &self.app.clock, &self.client)
            .await
            .unwrap()
    }

    async fn status(&self, id: i64) -> WithdrawalStatus {
        let row = withdrawal_request::Entity::find_by_id(id)
            .one(&self.app.state.db)
            .await
            .unwrap()
            .unwrap();
        WithdrawalStatus::parse(&row.status).unwrap()
    }

    async fn row(&self, id: i64) -> withdrawal_request::Model {
        withdrawal_request::Entity::find_by_id(id)
            .one(&self.app.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    async fn item(&self, id: i64) -> paypal_item::Model {
        paypal_item::Entity::find()
            .filter(paypal_item::Column::RequestId.eq(id))
            .one(&self.app.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    async fn batches(&self) -> Vec<paypal_batch::Model> {
        paypal_batch::Entity::find()
            .order_by_asc(paypal_batch::Column::Id)
            .all(&self.app.state.db)
            .await
            .unwrap()
    }

    /// Entries in the journal: each money movement is one.
    async fn entries(&self) -> i64 {
        self.app.count("SELECT COUNT(*) FROM journal_entries").await
    }

    async fn webhook(&self, event_type: &str, sender_item_id: i64, status: &str) -> Webhook {
        let (headers, body) =
            self.fake
                .item_event(WEBHOOK_ID, event_type, &sender_item_id.to_string(), status);
        Webhook { headers, body }
    }

    async fn deliver(&self, webhook: &Webhook) -> StatusCode {
        let mut call = reqwest::Client::new()
            .post(format!("{}/api/paypal/webhook", self.app.address))
            .header("content-type", "application/json")
            .body(webhook.body.clone());
        for (name, value) in &webhook.headers {
            call = call.header(*name, value);
        }
        call.send().await.unwrap().status()
    }
}

struct Webhook {
    headers: Vec<(&'static str, String)>,
    body: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_paypal_requests_go_in_one_batch_and_settle_from_polling() {
    let s = scene().await;
    let (_, wallet_a, a) = s.approved("ada", "25.00").await;
    let (_, wallet_b, b) = s.approved("bob", "40.00").await;
    // Not eligible: a bank request, and a PayPal request not yet approved.
    let carl = s.desk.member(&s.app, "carl").await;
    let carl_wallet = s.desk.credit(&s.app, &carl, &s.desk.usd, 10_000).await;
    let bank = request(&s.app, &carl, carl_wallet.id, "bank", "10.00", &key())
        .await
        .unwrap();
    let dora = s.desk.member(&s.app, "dora").await;
    let dora_wallet = s.desk.credit(&s.app, &dora, &s.desk.usd, 10_000).await;
    let waiting = request(&s.app, &dora, dora_wallet.id, "paypal", "10.00", &key())
        .await
        .unwrap();
    let held = balance(&s.app, wallet_a).await;

    let outcome = s.send(&[a, b, bank.id, waiting.id]).await;
    assert_eq!(outcome.sent, vec![a, b]);
    assert_eq!(outcome.batches.len(), 1);
    assert_eq!(outcome.unconfirmed, 0);
    let reasons: Vec<(i64, &str)> = outcome
        .skipped
        .iter()
        .map(|skip| (skip.id, skip.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (bank.id, "Not a PayPal request"),
            (
                waiting.id,
                "Only approved requests can be sent; this one is requested"
            ),
        ]
    );
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);
    assert_eq!(s.status(b).await, WithdrawalStatus::Processing);
    assert_eq!(s.status(bank.id).await, WithdrawalStatus::Requested);
    assert_eq!(s.fake.batch_count(), 1);
    let batches = s.batches().await;
    assert_eq!(batches[0].state, state::OPEN);
    assert_eq!(batches[0].item_count, 2);
    assert!(batches[0].payout_batch_id.is_some());
    assert_ledger_clean(&s.app).await;

    // Nothing new at PayPal: a poll records nothing and moves nothing.
    assert_eq!(s.poll().await.moved, 0);

    s.fake.set_item_status(&a.to_string(), "SUCCESS");
    s.fake.set_item_failure(
        &b.to_string(),
        "FAILED",
        "RECEIVER_UNREGISTERED",
        "No PayPal account",
    );
    let pass = s.poll().await;
    assert_eq!(pass.moved, 2);
    let paid = s.row(a).await;
    assert_eq!(paid.status, "paid");
    let item = s.item(a).await;
    assert_eq!(
        paid.external_reference, item.payout_item_id,
        "the PayPal item id is the reference"
    );
    assert!(item.settled);
    assert_eq!(
        balance(&s.app, wallet_a).await,
        held,
        "paid money stays out"
    );
    let failed = s.row(b).await;
    assert_eq!(failed.status, "failed");
    assert_eq!(
        failed.note.as_deref(),
        Some("PayPal could not pay it (RECEIVER_UNREGISTERED: No PayPal account)"),
        "the member sees why"
    );
    assert_eq!(
        balance(&s.app, wallet_b).await,
        10_000,
        "the money is back in the wallet"
    );
    // Both settled: the batch is closed; polling again changes nothing.
    assert_eq!(s.batches().await[0].state, state::CLOSED);
    let entries = s.entries().await;
    assert_eq!(s.poll().await, Pass::default());
    assert_eq!(s.entries().await, entries);
    assert_ledger_clean(&s.app).await;

    // The process view's trail: ids and the raw history, oldest first.
    let trail = app::paypal::trail::trail(&s.app.state.db, b)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trail.payout_item_id, s.item(b).await.payout_item_id);
    let history: Vec<&str> = trail.history.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(history, vec!["QUEUED", "PENDING", "PENDING", "FAILED"]);
    assert!(app::paypal::trail::trail(&s.app.state.db, bank.id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_or_a_lost_answer_is_reconciled_under_the_same_id() {
    let s = scene().await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    let after_request = balance(&s.app, wallet).await;

    // 500 with nothing created: processing, unconfirmed, nothing credited.
    s.fake.fail_next(&[Failure::Refuse]);
    let outcome = s.send(&[a]).await;
    assert_eq!(outcome.unconfirmed, 1);
    assert_eq!(outcome.sent, vec![a]);
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);
    assert_eq!(balance(&s.app, wallet).await, after_request);
    let batch = &s.batches().await[0];
    assert_eq!(batch.state, state::UNCONFIRMED);
    assert!(batch.last_error.is_some());
    assert_eq!(s.fake.batch_count(), 0);
    // Still not a request an admin can finish by hand.
    let by_hand = act(
        &s.app,
        s.desk.admin,
        a,
        WithdrawalAction::MarkFailed,
        &key(),
    )
    .await;
    assert!(
        matches!(by_hand, Err(WithdrawalError::WithPayPal)),
        "{by_hand:?}"
    );

    // The poller retries under the same sender_batch_id: one batch.
    let pass = s.poll().await;
    assert_eq!(pass.confirmed, 1);
    assert_eq!(s.fake.batch_count(), 1);
    assert_eq!(s.fake.creates(), 2);
    let confirmed = &s.batches().await[0];
    assert_eq!(confirmed.state, state::OPEN);
    assert_eq!(confirmed.sender_batch_id, batch.sender_batch_id);

    // Created, then the answer lost: the retry finds it, creates nothing.
    let (_, _, b) = s.approved("bob", "30.00").await;
    s.fake.fail_next(&[Failure::LoseAnswer]);
    let outcome = s.send(&[b]).await;
    assert_eq!(outcome.unconfirmed, 1);
    assert_eq!(
        s.fake.batch_count(),
        2,
        "PayPal has it though we do not know"
    );
    assert_eq!(s.poll().await.confirmed, 1);
    assert_eq!(s.fake.batch_count(), 2, "and the retry made no second one");
    assert!(s
        .batches()
        .await
        .iter()
        .all(|batch| batch.state == state::OPEN));

    s.fake.set_item_status(&a.to_string(), "SUCCESS");
    s.fake.set_item_status(&b.to_string(), "SUCCESS");
    assert_eq!(s.poll().await.moved, 2);
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    assert_eq!(s.status(b).await, WithdrawalStatus::Paid);
    assert_ledger_clean(&s.app).await;
}

/// A retry answered "duplicate" without naming the batch is not a refusal:
/// PayPal has the batch and pays it, so crediting the money back would pay
/// the member twice. It stays unconfirmed until PayPal names the batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_answer_without_a_link_never_credits_back() {
    let s = scene().await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    let after_request = balance(&s.app, wallet).await;
    s.fake
        .fail_next(&[Failure::LoseAnswer, Failure::DuplicateWithoutLink]);
    assert_eq!(s.send(&[a]).await.unconfirmed, 1);
    // The retry: PayPal says "used already" and names nothing.
    assert_eq!(s.poll().await.confirmed, 0);
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);
    assert_eq!(
        balance(&s.app, wallet).await,
        after_request,
        "nothing credited back"
    );
    let batch = &s.batches().await[0];
    assert_eq!(batch.state, state::UNCONFIRMED);
    assert!(
        batch
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("DUPLICATE_REQUEST_ID")),
        "{:?}",
        batch.last_error
    );
    // The next retry gets the ordinary duplicate answer, with the link.
    assert_eq!(s.poll().await.confirmed, 1);
    assert_eq!(s.fake.batch_count(), 1, "one batch at PayPal all along");
    s.fake.set_item_status(&a.to_string(), "SUCCESS");
    assert_eq!(s.poll().await.moved, 1);
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_reconciled_not_resent() {
    let s = scene_with_timeout(Duration::from_secs(1)).await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    let after_request = balance(&s.app, wallet).await;
    // PayPal makes the batch but answers after the client gave up.
    s.fake.fail_next(&[Failure::Stall]);
    let outcome = s.send(&[a]).await;
    assert_eq!(outcome.unconfirmed, 1);
    let batch = &s.batches().await[0];
    assert_eq!(batch.state, state::UNCONFIRMED);
    assert!(
        batch
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")),
        "{:?}",
        batch.last_error
    );
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);
    assert_eq!(
        balance(&s.app, wallet).await,
        after_request,
        "never credited back blindly"
    );

    // Reconciled under the same id: PayPal's batch is found, not doubled.
    assert_eq!(s.poll().await.confirmed, 1);
    assert_eq!(s.fake.batch_count(), 1);
    assert_eq!(s.batches().await[0].state, state::OPEN);
    s.fake.set_item_status(&a.to_string(), "SUCCESS");
    assert_eq!(s.poll().await.moved, 1);
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_finished_by_hand_is_not_sent() {
    let s = scene().await;
    let (_, _, a) = s.approved("ada", "25.00").await;
    act(
        &s.app,
        s.desk.admin,
        a,
        WithdrawalAction::MarkProcessing,
        &key(),
    )
    .await
    .unwrap();
    act(&s.app, s.desk.admin, a, WithdrawalAction::MarkPaid, &key())
        .await
        .unwrap();
    let outcome = s.send(&[a]).await;
    assert!(outcome.sent.is_empty());
    assert_eq!(
        outcome.skipped[0].reason,
        "Only approved requests can be sent; this one is paid"
    );
    assert_eq!(s.fake.creates(), 0);
    assert!(s.batches().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_fails_its_requests_with_the_money_back() {
    let s = scene().await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    s.fake.fail_next(&[Failure::Invalid]);
    let outcome = s.send(&[a]).await;
    assert_eq!(outcome.refused, vec![a]);
    assert!(outcome.sent.is_empty());
    let row = s.row(a).await;
    assert_eq!(row.status, "failed");
    assert!(
        row.note
            .as_deref()
            .is_some_and(|note| note.contains("Sender does not have sufficient funds")),
        "{:?}",
        row.note
    );
    assert_eq!(balance(&s.app, wallet).await, 10_000);
    assert_eq!(s.batches().await[0].state, state::REFUSED);
    // Nothing left to reconcile.
    assert_eq!(s.poll().await, Pass::default());
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_item_status_maps_to_its_outcome() {
    let s = scene().await;
    let cases = [
        ("SUCCESS", WithdrawalStatus::Paid),
        ("FAILED", WithdrawalStatus::Failed),
        ("BLOCKED", WithdrawalStatus::Failed),
        ("RETURNED", WithdrawalStatus::Failed),
        ("REFUNDED", WithdrawalStatus::Failed),
        ("REVERSED", WithdrawalStatus::Failed),
        ("ONHOLD", WithdrawalStatus::Processing),
        ("PENDING", WithdrawalStatus::Processing),
        ("UNCLAIMED", WithdrawalStatus::Processing),
    ];
    let mut requests = Vec::new();
    for (n, (status, _)) in cases.iter().enumerate() {
        let (_, wallet, id) = s.approved(&format!("member{n}"), "20.00").await;
        requests.push((id, wallet, *status));
    }
    let ids: Vec<i64> = requests.iter().map(|(id, _, _)| *id).collect();
    s.send(&ids).await;
    for (id, _, status) in &requests {
        s.fake.set_item_status(&id.to_string(), status);
    }
    s.poll().await;
    for ((id, wallet, paypal_status), (_, expected)) in requests.iter().zip(cases) {
        assert_eq!(s.status(*id).await, expected, "{paypal_status}");
        let item = s.item(*id).await;
        assert_eq!(item.transaction_status.as_deref(), Some(*paypal_status));
        match expected {
            WithdrawalStatus::Failed => {
                assert_eq!(balance(&s.app, *wallet).await, 10_000, "{paypal_status}")
            }
            WithdrawalStatus::Processing => {
                assert!(!item.settled);
                assert!(item.reason.is_some(), "admins see why it waits");
            }
            _ => {}
        }
    }
    assert_eq!(s.batches().await[0].state, state::OPEN, "three still open");

    // Unclaimed past PayPal's claim period: never credited back on our
    // clock (PayPal may still deliver it), but listed as needing attention.
    let (unclaimed, unclaimed_wallet, _) = requests[8];
    let held = balance(&s.app, unclaimed_wallet).await;
    assert!(attention(&s.app).await.is_empty());
    // The member is told the payout waits for them to accept it, once.
    let reminders = |kind: &'static str| {
        let app = &s.app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = '{kind}' AND payload LIKE '%\"request_id\":{unclaimed}%'"
            ))
            .await
        }
    };
    assert_eq!(reminders("paypal.unclaimed").await, 1);
    assert_eq!(s.poll().await.reminded, 0);
    assert_eq!(reminders("paypal.unclaimed").await, 1);
    assert_eq!(reminders("paypal.unclaimed_overdue").await, 0);
    s.app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        s.poll().await.reminded,
        1,
        "and again past the claim period"
    );
    assert_eq!(reminders("paypal.unclaimed_overdue").await, 1);
    s.poll().await;
    assert_eq!(reminders("paypal.unclaimed_overdue").await, 1);
    assert_eq!(s.status(unclaimed).await, WithdrawalStatus::Processing);
    assert_eq!(balance(&s.app, unclaimed_wallet).await, held);
    let listed = attention(&s.app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].request_id, listed[0].days), (unclaimed, 31));
    let admin = crate::ledger_fixture::admin_browser(&s.app).await;
    let status = admin.ok(PaypalStatus {}).await;
    assert_eq!(status.attention, listed);
    // PayPal's own word settles it: returned, the money comes back once.
    s.fake.set_item_status(&unclaimed.to_string(), "RETURNED");
    s.poll().await;
    assert_eq!(s.status(unclaimed).await, WithdrawalStatus::Failed);
    assert_eq!(balance(&s.app, unclaimed_wallet).await, 10_000);
    assert!(attention(&s.app).await.is_empty());
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_verified_and_applied_once_in_any_order() {
    let s = scene().await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    let (_, _, b) = s.approved("bob", "30.00").await;
    s.send(&[a, b]).await;
    let after_request = balance(&s.app, wallet).await;

    // A forged event (valid shape, wrong signature) changes nothing.
    let mut forged = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", a, "SUCCESS")
        .await;
    for (name, value) in forged.headers.iter_mut() {
        if *name == "paypal-transmission-sig" {
            *value = "0".repeat(64);
        }
    }
    assert_eq!(s.deliver(&forged).await, StatusCode::BAD_REQUEST);
    // A signed event whose body was altered after signing: refused too.
    let mut altered = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", a, "SUCCESS")
        .await;
    altered.body = altered.body.replace("SUCCESS", "FAILED");
    assert_eq!(s.deliver(&altered).await, StatusCode::BAD_REQUEST);
    // No signature at all.
    let unsigned = Webhook {
        headers: vec![],
        body: s
            .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", a, "SUCCESS")
            .await
            .body,
    };
    assert_eq!(s.deliver(&unsigned).await, StatusCode::BAD_REQUEST);
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);

    // The real one: paid. Sent again (PayPal retries): nothing twice.
    let succeeded = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", a, "SUCCESS")
        .await;
    assert_eq!(s.deliver(&succeeded).await, StatusCode::OK);
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    let entries = s.entries().await;
    assert_eq!(s.deliver(&succeeded).await, StatusCode::OK);
    assert_eq!(s.entries().await, entries);
    let recorded = paypal_event::Entity::find()
        .filter(paypal_event::Column::RequestId.eq(a))
        .filter(paypal_event::Column::Source.eq("webhook"))
        .all(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1, "the duplicate is not recorded twice");

    // Out of order: an older PENDING, or a FAILED after the success,
    // moves no money (the FAILED raises an alert for a person); a later
    // RETURNED takes the payment back, which answers that alert.
    let late = s.webhook("PAYMENT.PAYOUTS-ITEM.HELD", a, "PENDING").await;
    assert_eq!(s.deliver(&late).await, StatusCode::OK);
    assert_eq!(
        open_alerts(&s.app).await,
        0,
        "a late PENDING is no contradiction"
    );
    let late_failure = s.webhook("PAYMENT.PAYOUTS-ITEM.FAILED", a, "FAILED").await;
    assert_eq!(s.deliver(&late_failure).await, StatusCode::OK);
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    assert_eq!(s.entries().await, entries);
    assert_eq!(open_alerts(&s.app).await, 1);
    let returned = s
        .webhook("PAYMENT.PAYOUTS-ITEM.RETURNED", a, "RETURNED")
        .await;
    assert_eq!(s.deliver(&returned).await, StatusCode::OK);
    assert_eq!(s.status(a).await, WithdrawalStatus::Returned);
    assert_eq!(balance(&s.app, wallet).await, after_request + 2_500);
    assert_eq!(open_alerts(&s.app).await, 0, "the return answered it");
    assert_eq!(s.deliver(&returned).await, StatusCode::OK);
    assert_eq!(balance(&s.app, wallet).await, after_request + 2_500);

    // A failure first, then a late success: the failure stands, no money
    // moves, and a person is asked (see the test below for the rest).
    let failed = s
        .webhook("PAYMENT.PAYOUTS-ITEM.BLOCKED", b, "BLOCKED")
        .await;
    assert_eq!(s.deliver(&failed).await, StatusCode::OK);
    let entries = s.entries().await;
    let success = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", b, "SUCCESS")
        .await;
    assert_eq!(s.deliver(&success).await, StatusCode::OK);
    assert_eq!(s.status(b).await, WithdrawalStatus::Failed);
    assert_eq!(s.entries().await, entries);
    assert_eq!(open_alerts(&s.app).await, 1);
    let alert = app::paypal::alerts::open(&s.app.state.db).await.unwrap();
    app::paypal::alerts::resolve(
        &s.app.state.db,
        &s.app.clock,
        s.desk.admin.user_id,
        alert[0].id,
        app::paypal::AlertResolution::Dismiss,
        "PayPal support confirmed the payment was blocked",
        None,
    )
    .await
    .unwrap();

    // A batch event makes Paydesk read the batch back, settling its items.
    let (_, _, c) = s.approved("carl", "15.00").await;
    s.send(&[c]).await;
    s.fake.set_item_status(&c.to_string(), "SUCCESS");
    let payout_batch_id = s
        .batches()
        .await
        .last()
        .unwrap()
        .payout_batch_id
        .clone()
        .unwrap();
    let (headers, body) =
        s.fake
            .batch_event(WEBHOOK_ID, "PAYMENT.PAYOUTSBATCH.SUCCESS", &payout_batch_id);
    assert_eq!(s.deliver(&Webhook { headers, body }).await, StatusCode::OK);
    assert_eq!(s.status(c).await, WithdrawalStatus::Paid);

    // And polling afterwards agrees without moving anything again.
    let entries = s.entries().await;
    s.poll().await;
    assert_eq!(s.entries().await, entries);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_at_paypal_cannot_be_finished_by_hand_over_http() {
    let s = scene().await;
    let (_, _, a) = s.approved("ada", "25.00").await;
    let admin = crate::helpers::TestUser::generate();
    s.app.create_admin(&admin).await;
    s.app.browser.log_in(&admin.email, &admin.password).await;
    let malformed = s
        .app
        .browser
        .post_json(
            "/api/admin/paypal/send",
            serde_json::json!({ "selection": { "everything": true }, "idempotency_key": key() }),
        )
        .await;
    let (status, error) = error_of(malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error.message);
    assert_eq!(s.fake.creates(), 0);
    let send = || SendViaPaypal {
        selection: Selection::Ids(vec![a]),
        idempotency_key: key(),
    };
    let outcome: SendOutcome = s.app.browser.ok(send()).await;
    assert_eq!(outcome.sent, vec![a]);

    let (status, error) = s
        .app
        .browser
        .call(ActOnPayout {
            request_id: a,
            action: WithdrawalAction::MarkPaid,
            note: Some(String::new()),
            external_reference: Some("manual-123".into()),
            payment_date: Some(String::new()),
            idempotency_key: key(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.message.contains("PayPal"), "{}", error.message);
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);

    // Once PayPal paid it, marking it paid by hand is refused too.
    s.fake.set_item_status(&a.to_string(), "SUCCESS");
    s.poll().await;
    let again = act(&s.app, s.desk.admin, a, WithdrawalAction::MarkPaid, &key()).await;
    assert!(again.is_err(), "{again:?}");
    assert_eq!(
        s.row(a).await.external_reference,
        s.item(a).await.payout_item_id
    );

    // A member may not send anything.
    let member = s.app.new_browser();
    let user = crate::helpers::TestUser::generate();
    member.sign_up(&user).await;
    assert_eq!(member.call(send()).await.status(), StatusCode::FORBIDDEN);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_sends_once() {
    let s = scene().await;
    let (_, _, a) = s.approved("ada", "25.00").await;
    let key = key();
    let ids = [a];
    let send = || {
        paypal::send(
            &s.app.state.db,
            &s.app.clock,
            &s.client,
            s.desk.admin.user_id,
            &ids,
            &key,
        )
    };
    let first = send().await.unwrap();
    let replay = send().await.unwrap();
    assert_eq!(first.sent, replay.sent);
    assert_eq!(first.batches, replay.batches);
    assert_eq!(s.fake.creates(), 1);
    assert_eq!(s.batches().await.len(), 1);

    // The same key for other requests is refused, and sends nothing.
    let (_, _, b) = s.approved("bob", "25.00").await;
    let other = paypal::send(
        &s.app.state.db,
        &s.app.clock,
        &s.client,
        s.desk.admin.user_id,
        &[b],
        &key,
    )
    .await;
    assert!(other.is_err(), "{other:?}");
    assert_eq!(s.status(b).await, WithdrawalStatus::Approved);
    assert_eq!(s.fake.creates(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_or_credential_refusal_is_retried_not_failed() {
    let s = scene().await;
    let (_, wallet, a) = s.approved("ada", "25.00").await;
    let held = balance(&s.app, wallet).await;
    s.fake.fail_next(&[Failure::RateLimit]);
    let outcome = s.send(&[a]).await;
    assert_eq!(outcome.unconfirmed, 1);
    assert!(outcome.refused.is_empty());
    assert_eq!(s.status(a).await, WithdrawalStatus::Processing);
    assert_eq!(balance(&s.app, wallet).await, held);
    assert_eq!(s.poll().await.confirmed, 1);
    assert_eq!(s.fake.batch_count(), 1);
    assert_ledger_clean(&s.app).await;
}

/// `n` members with an approved 5.00 USD PayPal request each, made in one
/// transaction with the ledger's own primitives (accounts, a credit, the
/// hold), so the ledger verifies clean, fast enough for tens of thousands.
async fn approved_in_bulk(s: &Scene, n: usize) -> Vec<i64> {
    use app::entities::wallet;
    use app::ledger::service::{self as ledger, EntryKind, Leg, NewEntry, SystemRole};
    use sea_orm::ActiveValue::Set;

    const AMOUNT: i64 = 500;
    let now = s.app.clock.now();
    let usd = s.desk.usd.id;
    let txn = app::platform::db::begin_write(&s.app.state.db)
        .await
        .unwrap();
    let users = crate::ledger_fixture::bulk_members(&txn, now, n).await;
    let outside = ledger::system_wallet(&txn, now, SystemRole::OutsideWorld, usd)
        .await
        .unwrap();
    let in_flight = ledger::system_wallet(&txn, now, SystemRole::InFlight, usd)
        .await
        .unwrap();
    let mut ids = Vec::with_capacity(n);
    for chunk in users.chunks(500) {
        let user_ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let wallets = ledger::member_wallets(&txn, now, &user_ids, usd)
            .await
            .unwrap();
        let wallets: Vec<&wallet::Model> = user_ids.iter().map(|id| &wallets[id]).collect();
        ledger::post_entry(
            &txn,
            now,
            NewEntry {
                kind: EntryKind::Adjustment,
                reference: None,
                memo: Some("bulk test credit".into()),
                actor_user_id: Some(s.desk.admin.user_id),
                legs: wallets
                    .iter()
                    .map(|w| Leg {
                        from: &outside,
                        to: w,
                        amount: AMOUNT,
                    })
                    .collect(),
            },
        )
        .await
        .unwrap();
        withdrawal_request::Entity::insert_many(chunk.iter().zip(&wallets).map(
            |((user_id, email), wallet)| withdrawal_request::ActiveModel {
                member_user_id: Set(*user_id),
                wallet_id: Set(wallet.id),
                method: Set("paypal".into()),
                amount: Set(AMOUNT),
                currency_asset_id: Set(usd),
                gross_minor: Set(AMOUNT),
                fee_minor: Set(0),
                net_minor: Set(AMOUNT),
                status: Set("approved".into()),
                payout_masked: Set(Some(email.clone())),
                payout_details: Set(Some(serde_json::json!({ "email": email }).to_string())),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        ))
        .exec_without_returning(&txn)
        .await
        .unwrap();
        let requests = withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::MemberUserId.is_in(user_ids.clone()))
            .order_by_asc(withdrawal_request::Column::MemberUserId)
            .all(&txn)
            .await
            .unwrap();
        for (request, wallet) in requests.iter().zip(&wallets) {
            assert_eq!(request.wallet_id, wallet.id);
            ledger::post_entry(
                &txn,
                now,
                NewEntry {
                    kind: EntryKind::WithdrawalHold,
                    reference: Some(format!("withdrawal:{}", request.id)),
                    memo: None,
                    actor_user_id: Some(request.member_user_id),
                    legs: vec![Leg {
                        from: wallet,
                        to: &in_flight,
                        amount: AMOUNT,
                    }],
                },
            )
            .await
            .unwrap();
            ids.push(request.id);
        }
    }
    txn.commit().await.unwrap();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_15000_requests_go_in_two_batches() {
    let s = scene().await;
    let ids = approved_in_bulk(&s, app::paypal::MAX_ITEMS_PER_BATCH + 1).await;
    assert_ledger_clean(&s.app).await;

    let outcome = s.send(&ids).await;
    assert_eq!(outcome.sent.len(), 15_001);
    assert!(outcome.skipped.is_empty(), "{:?}", &outcome.skipped[..1]);
    assert_eq!(outcome.batches.len(), 2);
    let batches = s.batches().await;
    let sizes: Vec<i32> = batches.iter().map(|b| b.item_count).collect();
    assert_eq!(sizes, vec![15_000, 1]);
    assert!(batches.iter().all(|b| b.state == state::OPEN));
    assert_eq!(s.fake.batch_count(), 2);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM withdrawal_requests WHERE status = 'processing'")
            .await,
        15_001
    );
    assert_ledger_clean(&s.app).await;

    // Polling reads the big batch back page by page (PayPal gives at most
    // 1000 items a page) and settles what PayPal settled, in either batch.
    let (first, last) = (ids[0], *ids.last().unwrap());
    s.fake.set_item_status(&first.to_string(), "SUCCESS");
    s.fake.set_item_status(&ids[14_999].to_string(), "FAILED");
    s.fake.set_item_status(&last.to_string(), "SUCCESS");
    let pass = s.poll().await;
    assert_eq!(pass.read, 2);
    assert_eq!(pass.moved, 3);
    assert_eq!(s.status(first).await, WithdrawalStatus::Paid);
    assert_eq!(s.status(ids[14_999]).await, WithdrawalStatus::Failed);
    assert_eq!(s.status(last).await, WithdrawalStatus::Paid);
    let pending = paypal_item::Entity::find()
        .filter(paypal_item::Column::TransactionStatus.eq("PENDING"))
        .filter(paypal_item::Column::PayoutItemId.is_not_null())
        .all(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(
        pending.len(),
        14_998,
        "every item has PayPal's id and status"
    );
    assert_eq!(s.batches().await[1].state, state::CLOSED);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_news_from_many_sources_at_once_moves_money_once() {
    use app::paypal::sync::{apply_report, Applied, Report, Source};
    let s = scene().await;
    let (_, _, a) = s.approved("ada", "25.00").await;
    s.send(&[a]).await;
    let entries = s.entries().await;
    // Pollers on several instances and PayPal's webhook retries, together.
    let reports: Vec<Report> = (0..12)
        .map(|n| Report {
            payout_item_id: None,
            sender_item_id: Some(a.to_string()),
            status: "SUCCESS".into(),
            error: None,
            source: if n % 2 == 0 {
                Source::Poll
            } else {
                Source::Webhook
            },
            event_id: (n % 2 == 1).then(|| format!("WH-RACE-{n}")),
        })
        .collect();
    let results = futures::future::join_all(
        reports
            .iter()
            .map(|report| apply_report(&s.app.state.db, &s.app.clock, report)),
    )
    .await;
    let paid = results
        .iter()
        .filter(|result| matches!(result, Ok(Applied::Paid)))
        .count();
    assert_eq!(paid, 1, "{results:?}");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(s.status(a).await, WithdrawalStatus::Paid);
    assert_eq!(s.entries().await, entries + 1, "one settlement entry");
    assert_ledger_clean(&s.app).await;
}

async fn attention(app: &crate::helpers::TestApp) -> Vec<app::paypal::AttentionItem> {
    app::paypal::unclaimed::needs_attention(&app.state.db, app.clock.now())
        .await
        .unwrap()
}

async fn open_alerts(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM paypal_alerts WHERE resolved_at IS NULL")
        .await
}

async fn resolve(
    admin: &crate::helpers::Browser,
    alert_id: i64,
    resolution: &str,
    note: &str,
) -> Result<app::paypal::AlertView, Refused> {
    admin
        .call(ResolveAlert {
            alert_id,
            resolution: resolution.into(),
            note: note.into(),
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_report_that_contradicts_a_settled_payout_waits_for_an_admin() {
    use app::paypal::{AlertKind, AlertView, PayPalStatus, PayPalTrail};
    let s = scene().await;
    let (_, ann_wallet, credited) = s.approved("ann", "20.00").await;
    let (_, ben_wallet, paid) = s.approved("ben", "30.00").await;
    s.send(&[credited, paid]).await;
    let failed = s
        .webhook("PAYMENT.PAYOUTS-ITEM.FAILED", credited, "FAILED")
        .await;
    assert_eq!(s.deliver(&failed).await, StatusCode::OK);
    let succeeded = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", paid, "SUCCESS")
        .await;
    assert_eq!(s.deliver(&succeeded).await, StatusCode::OK);
    assert_eq!(s.status(credited).await, WithdrawalStatus::Failed);
    assert_eq!(s.status(paid).await, WithdrawalStatus::Paid);
    assert_eq!(balance(&s.app, ann_wallet).await, 10_000);
    assert_eq!(balance(&s.app, ben_wallet).await, 7_000);
    assert_ledger_clean(&s.app).await;

    // PayPal changes its mind about both, and says it again: no money
    // moves on a report, and each contradiction is raised once.
    let entries = s.entries().await;
    for _ in 0..2 {
        let late_success = s
            .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", credited, "SUCCESS")
            .await;
        assert_eq!(s.deliver(&late_success).await, StatusCode::OK);
        let late_failure = s
            .webhook("PAYMENT.PAYOUTS-ITEM.FAILED", paid, "FAILED")
            .await;
        assert_eq!(s.deliver(&late_failure).await, StatusCode::OK);
    }
    assert_eq!(s.entries().await, entries);
    assert_eq!(s.status(credited).await, WithdrawalStatus::Failed);
    assert_eq!(s.status(paid).await, WithdrawalStatus::Paid);
    assert_eq!(open_alerts(&s.app).await, 2);

    // verify says so, and the desk shows it: payouts page, dashboard,
    // process view.
    let report = app::integrity::verify(&s.app.state.db).await.unwrap();
    assert!(
        report.violations.iter().any(|v| v.contains("contradict")),
        "{:?}",
        report.violations
    );
    let admin = crate::ledger_fixture::admin_browser(&s.app).await;
    let status: PayPalStatus = admin.ok(PaypalStatus {}).await;
    assert_eq!(status.alerts.len(), 2);
    let figures = admin.ok(AdminOverview {}).await;
    let mut both = vec![credited, paid];
    both.sort_unstable();
    assert_eq!(figures.contradicted, both);
    let trail = |request_id: i64| {
        let admin = &admin;
        async move {
            let trail: Option<PayPalTrail> = admin.ok(PaypalTrail { request_id }).await;
            trail.expect("the request went to PayPal").alerts
        }
    };
    let on_credited: Vec<AlertView> = trail(credited).await;
    assert_eq!(on_credited.len(), 1);
    assert_eq!(on_credited[0].kind, AlertKind::PaidAfterCreditBack);
    let on_paid = trail(paid).await;
    assert_eq!(on_paid[0].kind, AlertKind::FailedAfterPaid);

    // Bad resolutions change nothing, and members cannot resolve.
    let (status, error) = resolve(&admin, on_credited[0].id, "recover", " ")
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.starts_with("Note:"), "{}", error.message);
    let (status, error) = resolve(&admin, on_credited[0].id, "credit_back", "checked")
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("does not fit"), "{}", error.message);
    let (status, _) = resolve(&admin, on_credited[0].id, "superseded", "checked")
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = resolve(&admin, 999_999, "dismiss", "checked")
        .await
        .refusal();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = resolve(&s.app.new_browser(), on_credited[0].id, "dismiss", "anyone")
        .await
        .refusal();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let member = s.app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    let (status, _) = resolve(&member, on_credited[0].id, "dismiss", "mine now")
        .await
        .refusal();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(open_alerts(&s.app).await, 2);
    assert_eq!(s.entries().await, entries);

    // PayPal paid Ann after all: the credit-back is taken back, once, even
    // when two admins press at the same moment.
    let second = crate::ledger_fixture::admin_browser(&s.app).await;
    let (one, two) = tokio::join!(
        resolve(
            &admin,
            on_credited[0].id,
            "recover",
            "PayPal shows it delivered"
        ),
        resolve(
            &second,
            on_credited[0].id,
            "recover",
            "PayPal shows it delivered"
        ),
    );
    let mut answers = vec![one.status(), two.status()];
    answers.sort();
    assert_eq!(answers, vec![StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(balance(&s.app, ann_wallet).await, 10_000 - 2_000);
    assert_eq!(s.status(credited).await, WithdrawalStatus::Failed);

    // PayPal did not pay Ben after all: credited back, the request returned.
    let answer = resolve(&admin, on_paid[0].id, "credit_back", "PayPal shows FAILED").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(s.status(paid).await, WithdrawalStatus::Returned);
    assert_eq!(balance(&s.app, ben_wallet).await, 10_000);
    let again = resolve(&admin, on_paid[0].id, "credit_back", "again").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(balance(&s.app, ben_wallet).await, 10_000);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'paypal_alert_resolved'")
            .await,
        2
    );
    let resolved = trail(credited).await;
    assert!(resolved[0].resolved_at.is_some());
    assert_eq!(
        resolved[0].resolution,
        Some(app::paypal::AlertResolution::Recover)
    );
    assert_eq!(open_alerts(&s.app).await, 0);
    assert_ledger_clean(&s.app).await;

    // The same late report once more raises nothing new.
    let late_success = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", credited, "SUCCESS")
        .await;
    assert_eq!(s.deliver(&late_success).await, StatusCode::OK);
    assert_eq!(open_alerts(&s.app).await, 0);
    assert_ledger_clean(&s.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_back_a_credit_back_the_member_already_spent_is_refused_whole() {
    let s = scene().await;
    let (member, wallet, id) = s.approved("ann", "20.00").await;
    s.send(&[id]).await;
    let failed = s.webhook("PAYMENT.PAYOUTS-ITEM.FAILED", id, "FAILED").await;
    assert_eq!(s.deliver(&failed).await, StatusCode::OK);
    // The member withdraws everything again meanwhile.
    request(&s.app, &member, wallet, "bank", "max", &key())
        .await
        .unwrap();
    assert_eq!(balance(&s.app, wallet).await, 0);
    let late = s
        .webhook("PAYMENT.PAYOUTS-ITEM.SUCCEEDED", id, "SUCCESS")
        .await;
    assert_eq!(s.deliver(&late).await, StatusCode::OK);
    let alert = app::paypal::alerts::open(&s.app.state.db).await.unwrap();
    let admin = crate::ledger_fixture::admin_browser(&s.app).await;
    let entries = s.entries().await;
    let (status, error) = resolve(&admin, alert[0].id, "recover", "PayPal shows it delivered")
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("Nothing was taken"),
        "{}",
        error.message
    );
    assert_eq!(s.entries().await, entries);
    assert_eq!(
        open_alerts(&s.app).await,
        1,
        "still open: nothing was resolved"
    );
}

/// Every webhook test above also shows the event is verified on its exact
/// bytes: the fake signs its text as written (keys out of order, spaced),
/// so re-serializing it before asking PayPal would fail verification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_flood_is_turned_away_before_anything_is_asked_of_paypal() {
    let s = scene_configured(Duration::from_secs(5), |settings| {
        settings.webhook_requests_per_minute = 5;
    })
    .await;
    let (_, _, id) = s.approved("ada", "25.00").await;
    s.send(&[id]).await;
    let forged = Webhook {
        headers: vec![
            ("paypal-transmission-id", "forged".to_owned()),
            ("paypal-transmission-sig", "0".repeat(64)),
        ],
        body: r#"{"id": "WH-X", "event_type": "PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "resource": {}}"#
            .to_owned(),
    };
    let before = s.fake.verifications();
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(s.deliver(&forged).await);
    }
    // The first five are checked with PayPal (and refused); the rest are
    // refused here, with no call to PayPal.
    assert_eq!(answers[..5], [StatusCode::BAD_REQUEST; 5]);
    assert_eq!(answers[5..], [StatusCode::TOO_MANY_REQUESTS; 15]);
    assert_eq!(s.fake.verifications() - before, 5);
    let mut call = reqwest::Client::new()
        .post(format!("{}/api/paypal/webhook", s.app.address))
        .header("content-type", "application/json")
        .body(forged.body.clone());
    for (name, value) in &forged.headers {
        call = call.header(*name, value);
    }
    let refused = call.send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    assert_eq!(s.status(id).await, WithdrawalStatus::Processing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn above_the_approval_limit_a_send_waits_and_the_approval_sends_it() {
    use app::approvals::api::ApproveHeld;
    let s = scene().await;
    app::settings::service::save_approval_limit(
        &s.app.state.db,
        &s.app.clock,
        s.desk.admin.user_id,
        None,
        "USD",
        "40",
    )
    .await
    .unwrap();
    let (_, _, small) = s.approved("ada", "25.00").await;
    let (_, _, big) = s.approved("bob", "60.00").await;

    let outcome = s.send(&[small, big]).await;
    assert_eq!(outcome.sent, vec![small]);
    let held = outcome
        .skipped
        .iter()
        .find(|skipped| skipped.id == big)
        .expect("the 60.00 request waits");
    assert!(held.reason.contains("second approval"), "{}", held.reason);
    assert_eq!(s.status(big).await, WithdrawalStatus::Approved);
    assert_eq!(s.fake.creates(), 1);

    // Sending it again asks for nothing new and sends nothing.
    let again = s.send(&[big]).await;
    assert!(again.sent.is_empty() && again.batches.is_empty());
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM second_approvals WHERE status = 'pending'")
            .await,
        1
    );

    // A reviewer approves: it goes to PayPal at once, in a batch of its own.
    let approval = s
        .app
        .count("SELECT id FROM second_approvals WHERE status = 'pending'")
        .await;
    let reviewer = s
        .app
        .signed_in_team_member(app::auth::TeamRole::Reviewer)
        .await;
    let decided = reviewer
        .ok(ApproveHeld {
            approval_id: approval,
            note: String::new(),
        })
        .await;
    assert!(
        decided.message.contains("sent to PayPal"),
        "{}",
        decided.message
    );
    assert_eq!(decided.approval.status, "done");
    assert_eq!(s.status(big).await, WithdrawalStatus::Processing);
    assert_eq!(s.fake.creates(), 2);
    assert_eq!(s.item(big).await.batch_id, s.batches().await[1].id);
    assert_eq!(
        s.app
            .count(&format!(
                "SELECT COUNT(*) FROM withdrawal_events WHERE request_id = {big} \
                 AND to_status = 'processing' AND second_approver_user_id = {}",
                reviewer.view.id
            ))
            .await,
        1
    );
    assert_ledger_clean(&s.app).await;
}
