//! Incentives: the earnings API (keys, batches, idempotent repeats), bulk
//! decisions, and Make Payment (refusals, replays, two admins at once, and
//! 10,000 incentives in one payment), each checked against the ledger.

use std::collections::HashSet;

use crate::helpers::{spawn_app, TestApp};
use crate::ledger_fixture::{
    assert_ledger_clean, balance, decide_incentives, desk, funding_wallet, key, pending_incentives,
    Desk,
};
use app::entities::incentive;
use app::incentives::api::{
    CreateApiKey, CreateIncentive, DecideIncentives, ListApiKeys, ListIncentives, MyIncentives,
    PayIncentives, PreviewImport, RevokeApiKey, RunImport, SetInviteMissing,
};
use app::incentives::service::{self as incentives, Origin, PaymentInput};
use app::incentives::{
    IncentiveAction, IncentiveDecision, IncentiveInput, IncentiveQuery, IncentiveSource,
    IncentiveStatus,
};
use app::ledger::service as ledger;
use app::platform::db;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const PATH: &str = "/api/v1/incentives";

async fn api_key(app: &TestApp, desk: &Desk) -> String {
    app::incentives::keys::create(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        "Website",
        None,
        None,
    )
    .await
    .unwrap()
    .1
}

async fn post(app: &TestApp, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{PATH}", app.address))
        .json(&body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn item(email: &str, external_id: &str, amount: &str) -> Value {
    json!({
        "member_email": email,
        "program": "SPIFF",
        "asset": "USD",
        "amount": amount,
        "description": "Closed deal",
        "external_id": external_id,
    })
}

async fn count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM incentives").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_needs_a_live_key() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let key = api_key(&app, &desk).await;
    let body = item("ada@example.com", "deal-1", "10");

    let (status, error) = post(&app, None, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Authorization: Bearer"));
    let (status, _) = post(&app, Some("pdk_wrong"), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app).await, 0);

    let (status, created) = post(&app, Some(&key), body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "pending");
    assert_eq!(created["amount"], "10.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE last_used_at IS NOT NULL")
            .await,
        1
    );
    let stored: String = app
        .count("SELECT COUNT(*) FROM api_keys WHERE key_hash = prefix")
        .await
        .to_string();
    assert_eq!(stored, "0", "the key itself is not stored");

    let id = app.count("SELECT id FROM api_keys").await;
    app::incentives::keys::revoke(&app.state.db, &app.clock, desk.admin.user_id, id, None)
        .await
        .unwrap();
    let (status, _) = post(&app, Some(&key), item("ada@example.com", "deal-2", "5")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = reqwest::Client::new()
        .get(format!("{}{PATH}/deal-1", app.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_keeps_good_items_and_repeats_change_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    desk.member(&app, "bob").await;
    let key = api_key(&app, &desk).await;
    let batch = json!({ "incentives": [
        item("ada@example.com", "deal-1", "10.50"),
        item("nobody@example.com", "deal-2", "5"),
        item("bob@example.com", "deal-3", "1.234"),
        item("bob@example.com", "deal-4", "7"),
        { "member_email": "bob@example.com", "program": "bonus", "asset": "GEMS", "amount": "300", "external_id": "gems-1" },
        { "member_email": "bob@example.com", "program": "bonus", "asset": "USD", "amount": "1" },
        "not an object",
    ]});
    let (status, body) = post(&app, Some(&key), batch.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&body["created"], &body["existing"], &body["failed"]),
        (&json!(3), &json!(0), &json!(4))
    );
    let results = body["results"].as_array().unwrap();
    let message = |i: usize| results[i]["error"]["message"].as_str().unwrap().to_owned();
    assert!(message(1).contains("no member has the email nobody@example.com"));
    assert!(message(2).contains("amount: USD amounts have at most 2 decimal places"));
    assert!(message(5).contains("external_id: required"));
    assert!(message(6).contains("Not an incentive"));
    assert_eq!(results[4]["incentive"]["amount"], "300");
    assert_eq!(count(&app).await, 3);

    // The same batch again: the three are "existing", nothing new.
    let (_, again) = post(&app, Some(&key), batch).await;
    assert_eq!(
        (&again["created"], &again["existing"]),
        (&json!(0), &json!(3))
    );
    assert_eq!(
        again["results"][0]["incentive"]["id"],
        body["results"][0]["incentive"]["id"]
    );
    assert_eq!(count(&app).await, 3);

    // A reused external id for something else is refused.
    let (status, error) = post(&app, Some(&key), item("ada@example.com", "deal-1", "99")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already used for a different incentive"));

    // Status by external id.
    let get = |external: &'static str| {
        let key = key.clone();
        let address = app.address.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{address}{PATH}/{external}"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
        }
    };
    let found: Value = get("deal-4").await.json().await.unwrap();
    assert_eq!(
        (&found["status"], &found["amount"]),
        (&json!("pending"), &json!("7.00"))
    );
    assert_eq!(get("deal-404").await.status(), StatusCode::NOT_FOUND);

    // Too many at once, and not JSON at all.
    let many: Vec<Value> = (0..1001)
        .map(|i| item("ada@example.com", &format!("x{i}"), "1"))
        .collect();
    let (status, error) = post(&app, Some(&key), Value::Array(many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("At most 1000"));
    let response = reqwest::Client::new()
        .post(format!("{}{PATH}", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_members_are_invited_when_the_setting_allows() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let key = api_key(&app, &desk).await;
    let body = json!({
        "member_email": "New.Partner@Example.com",
        "member_name": "New Partner",
        "program": "referral",
        "asset": "GEMS",
        "amount": "50",
        "external_id": "ref-1",
    });
    let (status, _) = post(&app, Some(&key), body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let txn = db::begin_write(&app.state.db).await.unwrap();
    app::platform::settings_store::put_setting(&txn, incentives::CREATE_MISSING_MEMBERS, "true")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let (status, created) = post(&app, Some(&key), body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["member_email"], "new.partner@example.com");
    assert_eq!(created["member_name"], "New Partner");
    // The invited account exists but nobody knows its password: a sign-in
    // is refused like any wrong password (not an error).
    let browser = app.new_browser();
    let response = browser
        .log_in("new.partner@example.com", "a long passphrase")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'new.partner@example.com' AND role = 'member'")
            .await,
        1
    );
}

async fn status_of(app: &TestApp, id: i64) -> IncentiveStatus {
    let model = incentive::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    IncentiveStatus::parse(&model.status).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_payment_pays_approved_incentives_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    desk.member(&app, "bob").await;
    let mut ids = pending_incentives(&app, &desk, "ada", &[1000, 2550]).await;
    ids.extend(pending_incentives(&app, &desk, "bob", &[700, 300]).await);

    // Approve three; reject the fourth (a note is required).
    let err = incentives::decide(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &ids[3..],
        IncentiveAction::Reject,
        " ",
        None,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap_err();
    assert!(err.message.starts_with("Note:"), "{}", err.message);
    let rejected = decide_incentives(
        &app,
        &desk,
        &ids[3..],
        IncentiveAction::Reject,
        "Duplicate deal",
    )
    .await;
    assert_eq!(rejected.succeeded, [ids[3]]);
    let approved = decide_incentives(&app, &desk, &ids, IncentiveAction::Approve, "").await;
    assert_eq!(approved.succeeded, ids[..3]);
    assert_eq!(approved.skipped.len(), 1);
    assert_eq!(approved.skipped[0].reason, "rejected");

    // A wallet that cannot cover them is refused up front; nothing moves.
    let small = funding_wallet(&app, &desk, "Small budget", 2000).await;
    let pay = |wallet_id: i64, key: String| PaymentInput {
        ids: ids.clone(),
        funding_wallet_id: wallet_id,
        description: "October SPIFFs".into(),
        idempotency_key: key,
    };
    let err = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(small.id, key()),
        None,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap_err();
    assert!(
        err.message.contains("need 42.50 USD (short by 22.50 USD)"),
        "{}",
        err.message
    );
    assert_eq!(status_of(&app, ids[0]).await, IncentiveStatus::Approved);
    assert_eq!(balance(&app, small.id).await, 2000);

    let big = funding_wallet(&app, &desk, "Q4 SPIFF budget", 10_000).await;
    let payment_key = key();
    let outcome = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(big.id, payment_key.clone()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(outcome.paid, ids[..3]);
    assert_eq!(outcome.total.minor, 4250);
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].reason, "rejected");
    assert_eq!(balance(&app, big.id).await, 10_000 - 4250);
    let ada_wallet = ledger::member_wallet(
        &app.state.db,
        app.clock.now(),
        ada.actor.user_id,
        desk.usd.id,
    )
    .await
    .unwrap();
    assert_eq!(ada_wallet.balance, 3550);
    for id in &ids[..3] {
        assert_eq!(status_of(&app, *id).await, IncentiveStatus::Paid);
    }
    // Each incentive is its own line in the member's statement.
    let statement =
        app::ledger::statement::statement(&app.state.db, ada.actor.user_id, Some(ada_wallet.id), 1)
            .await
            .unwrap()
            .unwrap();
    let paid_lines: Vec<i64> = statement
        .lines
        .iter()
        .filter(|l| l.description == "October SPIFFs")
        .map(|l| l.amount)
        .collect();
    assert_eq!(paid_lines.len(), 2);
    assert_eq!(paid_lines.iter().sum::<i64>(), 3550);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incentive.paid'")
            .await,
        2,
        "one email per member paid"
    );

    // The same key again answers the first outcome and pays nothing more.
    let replay = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(big.id, payment_key),
        None,
    )
    .await
    .unwrap();
    assert_eq!(replay, outcome);
    // A new key finds nothing left to pay.
    let err = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(big.id, key()),
        None,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap_err();
    assert!(
        err.message.contains("None of the selected incentives"),
        "{}",
        err.message
    );
    assert_eq!(balance(&app, big.id).await, 10_000 - 4250);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_paying_overlapping_selections_pay_each_incentive_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let ids = pending_incentives(&app, &desk, "ada", &[100, 200, 300, 400, 500, 600]).await;
    decide_incentives(&app, &desk, &ids, IncentiveAction::Approve, "").await;
    let wallet = funding_wallet(&app, &desk, "Budget", 100_000).await;
    let first = PaymentInput {
        ids: ids[..4].to_vec(),
        funding_wallet_id: wallet.id,
        description: "Run A".into(),
        idempotency_key: key(),
    };
    let second = PaymentInput {
        ids: ids[2..].to_vec(),
        funding_wallet_id: wallet.id,
        description: "Run B".into(),
        idempotency_key: key(),
    };
    let (a, b) = tokio::join!(
        incentives::make_payment(&app.state.db, &app.clock, desk.admin.user_id, &first, None),
        incentives::make_payment(&app.state.db, &app.clock, desk.admin.user_id, &second, None),
    );
    let paid: Vec<i64> = [a, b]
        .into_iter()
        .filter_map(Result::ok)
        .flat_map(|o| o.paid)
        .collect();
    let unique: HashSet<i64> = paid.iter().copied().collect();
    assert_eq!(
        paid.len(),
        unique.len(),
        "no incentive paid twice: {paid:?}"
    );
    assert_eq!(
        unique,
        ids.iter().copied().collect(),
        "and all of them paid"
    );
    assert_eq!(balance(&app, wallet.id).await, 100_000 - 2100);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transfers t JOIN journal_entries e ON e.id = t.entry_id WHERE e.kind = 'incentive_payment'")
            .await,
        6
    );
    assert_ledger_clean(&app).await;
}

/// 10,000 incentives for 1,000 members, approved and paid in one action: one
/// journal entry, 10,000 transfers, and a clean ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_incentives_are_paid_in_one_payment() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let now = app.clock.now();
    // Members made directly: signing 1,000 people up one by one would
    // measure password hashing, not payments.
    let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
    let members: Vec<i64> = crate::ledger_fixture::bulk_members(&txn, now, 1_000)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    txn.commit().await.unwrap();
    assert_eq!(members.len(), 1_000);
    let rows: Vec<incentive::ActiveModel> = (0..10_000)
        .map(|i| incentive::ActiveModel {
            member_user_id: Set(members[i % members.len()]),
            program: Set("SPIFF".into()),
            asset_id: Set(desk.usd.id),
            amount_minor: Set(100 + (i as i64 % 7)),
            description: Set(String::new()),
            source: Set("csv".into()),
            external_id: Set(Some(format!("bulk-{i}"))),
            status: Set("pending".into()),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        incentive::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
    }
    let ids: Vec<i64> = incentive::Entity::find()
        .filter(incentive::Column::Source.eq("csv"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids.len(), 10_000);
    let approved = decide_incentives(&app, &desk, &ids, IncentiveAction::Approve, "").await;
    assert_eq!(approved.succeeded.len(), 10_000);
    let due: i64 = (0..10_000).map(|i| 100 + (i % 7)).sum();
    let wallet = funding_wallet(&app, &desk, "Bulk budget", due).await;
    let outcome = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &PaymentInput {
            ids: ids.clone(),
            funding_wallet_id: wallet.id,
            description: "Q4 bulk".into(),
            idempotency_key: key(),
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(outcome.paid.len(), 10_000);
    assert_eq!(outcome.total.minor, due);
    assert_eq!(balance(&app, wallet.id).await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM transfers WHERE entry_id = {}",
            outcome.entry_id
        ))
        .await,
        10_000
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM incentives WHERE status = 'paid' AND paid_entry_id IS NOT NULL"
        )
        .await,
        10_000
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_decide_pay_and_manage_keys_over_http_and_members_cannot() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let ids = pending_incentives(&app, &desk, "ada", &[1000, 2000, 3000]).await;
    let wallet = funding_wallet(&app, &desk, "Budget", 100_000).await;
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let matching = |status: &str, q: &str| IncentiveQuery {
        status: status.into(),
        q: q.into(),
        ..IncentiveQuery::default()
    };
    let decide_all =
        |query: IncentiveQuery, action: IncentiveDecision, note: &str| DecideIncentives {
            ids: String::new(),
            all_matching: true,
            query,
            action,
            note: note.into(),
        };
    let decide_ids = |ids: String, action: IncentiveDecision, note: &str| DecideIncentives {
        ids,
        all_matching: false,
        query: IncentiveQuery::default(),
        action,
        note: note.into(),
    };
    let pay = |ids: Vec<i64>, description: &str| PayIncentives {
        ids,
        all_matching: false,
        query: IncentiveQuery::default(),
        funding_wallet_id: wallet.id,
        description: description.into(),
        idempotency_key: key(),
    };

    // The list: newest first, with the totals of everything matching.
    let list = admin
        .ok(ListIncentives {
            query: IncentiveQuery {
                page: 1,
                per_page: 10,
                ..matching("pending", "ada@")
            },
        })
        .await;
    assert_eq!(list.total, 3);
    assert_eq!(list.rows[0].id, ids[2]);
    assert_eq!(list.totals.len(), 1);
    assert_eq!(
        (list.totals[0].code.as_str(), list.totals[0].minor),
        ("USD", 6000)
    );
    let refused = admin
        .refused(ListIncentives {
            query: matching("lost", ""),
        })
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.error.message.contains("Unknown status"),
        "{}",
        refused.error.message
    );

    // Reject all matching a filter: only bob's, with the note, and a note
    // is required.
    desk.member(&app, "bob").await;
    let bobs = pending_incentives(&app, &desk, "bob", &[700, 800]).await;
    let refused = admin
        .refused(decide_all(
            matching("pending", "bob@"),
            IncentiveDecision::Reject,
            "",
        ))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.error.message.starts_with("Note:"),
        "{}",
        refused.error.message
    );
    assert_eq!(status_of(&app, bobs[0]).await, IncentiveStatus::Pending);
    let outcome = admin
        .ok(decide_all(
            matching("pending", "bob@"),
            IncentiveDecision::Reject,
            "Duplicate deals",
        ))
        .await;
    assert_eq!(outcome.succeeded, bobs);
    for id in &ids {
        assert_eq!(status_of(&app, *id).await, IncentiveStatus::Pending);
    }

    // Approve all matching the filter, then reject needs a note.
    let outcome = admin
        .ok(decide_all(
            matching("pending", ""),
            IncentiveDecision::Approve,
            "",
        ))
        .await;
    assert_eq!(outcome.succeeded, ids);
    let refused = admin
        .refused(decide_ids(
            ids[0].to_string(),
            IncentiveDecision::Reject,
            "",
        ))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let refused = admin
        .refused(decide_ids("1,x".into(), IncentiveDecision::Approve, ""))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // Make Payment over HTTP.
    let paid = admin.ok(pay(ids.clone(), "March")).await;
    assert_eq!(paid.paid, ids);
    assert_eq!(balance(&app, wallet.id).await, 100_000 - 6000);

    // API keys: made (shown once), listed without the key, revoked.
    let create_key = |name: &str| CreateApiKey {
        name: name.into(),
        expires_in_days: String::new(),
    };
    let made = admin.ok(create_key("Website")).await;
    assert!(made.secret.starts_with(&made.key.prefix));
    let listed = admin.ok(ListApiKeys {}).await;
    assert_eq!(listed.keys.len(), 1);
    assert_eq!(listed.keys[0], made.key);
    assert!(!listed.invite_missing);
    admin
        .ok(SetInviteMissing {
            enabled: Some("1".into()),
        })
        .await;
    assert!(admin.ok(ListApiKeys {}).await.invite_missing);
    let refused = admin.refused(create_key(" ")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    admin.ok(RevokeApiKey { id: made.key.id }).await;
    let (status, _) = post(
        &app,
        Some(&made.secret),
        item("ada@example.com", "late", "1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('api_key_created', 'api_key_revoked', 'incentives_approved', 'incentives_paid', 'settings_changed')")
            .await,
        5
    );

    // Members reach none of it.
    let member = ada.browser(&app).await;
    let forbidden = [
        member
            .refused(ListIncentives {
                query: IncentiveQuery::default(),
            })
            .await,
        member
            .refused(decide_ids(
                ids[0].to_string(),
                IncentiveDecision::Approve,
                "",
            ))
            .await,
        member.refused(pay(ids.clone(), "x")).await,
        member.refused(ListApiKeys {}).await,
        member.refused(create_key("Mine")).await,
        member.refused(SetInviteMissing { enabled: None }).await,
    ];
    for refused in forbidden {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_one_by_hand_and_the_member_sees_theirs() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada_member = desk.member(&app, "ada").await;
    desk.member(&app, "bob").await;
    let ada = ada_member.actor.user_id;
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let add = |amount: &str, key: &str| CreateIncentive {
        member_id: ada,
        program: "bonus".into(),
        asset: "USD".into(),
        amount: amount.into(),
        description: "Great quarter".into(),
        idempotency_key: key.into(),
    };
    let first = admin.ok(add("20", "k1")).await;
    assert_eq!(
        (first.status, first.amount.as_str()),
        (IncentiveStatus::Pending, "20.00")
    );
    // A double submit of the same form is the same incentive, not a second
    // one that would be paid too; the key with other values is refused.
    let again = admin.ok(add("20", "k1")).await;
    assert_eq!(again.id, first.id);
    assert_eq!(
        admin.refused(add("21", "k1")).await.status,
        StatusCode::CONFLICT
    );
    let refused = admin.refused(add("20", "")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.error.message.contains("idempotency key"),
        "{}",
        refused.error.message
    );
    let refused = admin.refused(add("0", "k0")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.error.message.starts_with("amount:"),
        "{}",
        refused.error.message
    );
    let second = admin.ok(add("5.50", "k2")).await;
    decide_incentives(&app, &desk, &[second.id], IncentiveAction::Approve, "").await;
    pending_incentives(&app, &desk, "bob", &[999]).await;

    let member = ada_member.browser(&app).await;
    let mine = member.ok(MyIncentives {}).await;
    let ids: Vec<i64> = mine.latest.iter().map(|i| i.id).collect();
    assert_eq!(ids, [second.id, first.id], "only hers, newest first");
    assert_eq!(mine.pending[0].minor, 2000);
    assert_eq!(mine.approved[0].minor, 550);
    assert!(mine.paid.is_empty());

    // Each side keeps to its own.
    assert_eq!(
        member.refused(add("1", "m1")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.refused(MyIncentives {}).await.status,
        StatusCode::FORBIDDEN
    );
    // Two over HTTP and Bob's through the service, each by an admin.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'incentive_created'")
            .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_is_previewed_then_imported_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    desk.member(&app, "bob").await;
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let file = "member_email,program,asset,amount,external_id,description\n\
                ada@example.com,SPIFF,USD,12.50,csv-1,\"Deal, big\"\n\
                bob@example.com,referral,GEMS,40,csv-2,\n\
                nobody@example.com,SPIFF,USD,5,csv-3,\n\
                ada@example.com,SPIFF,USD,1.234,csv-4,\n\
                bob@example.com,SPIFF,USD,3,csv-1,\n";
    let preview_of = || PreviewImport { csv: file.into() };
    let preview = admin.ok(preview_of()).await;
    assert_eq!((preview.new, preview.existing, preview.invalid), (2, 0, 3));
    let why = |line: u64| {
        preview
            .rows
            .iter()
            .find(|r| r.line == line)
            .and_then(|r| r.error.clone())
            .unwrap_or_default()
    };
    assert!(
        why(4).contains("no member has the email nobody@example.com"),
        "{}",
        why(4)
    );
    assert!(why(5).contains("at most 2 decimal places"), "{}", why(5));
    assert!(why(6).contains("appears twice"), "{}", why(6));
    let codes: Vec<(String, i64)> = preview
        .totals
        .iter()
        .map(|m| (m.code.clone(), m.minor))
        .collect();
    assert_eq!(codes, [("GEMS".to_owned(), 40), ("USD".to_owned(), 1250)]);
    assert_eq!(count(&app).await, 0, "a preview writes nothing");

    let run = || admin.ok(RunImport { csv: file.into() });
    let first = run().await;
    assert_eq!((first.created, first.existing), (2, 0));
    let failed_lines: Vec<u64> = first.failed.iter().map(|f| f.0).collect();
    // Line 6 reuses csv-1 for another member: refused when it is imported.
    assert_eq!(failed_lines, [4, 5, 6]);
    let again = run().await;
    assert_eq!((again.created, again.existing), (0, 2));
    assert_eq!(count(&app).await, 2);
    let preview = admin.ok(preview_of()).await;
    assert_eq!((preview.new, preview.existing), (0, 2));

    // Files that cannot be read are refused whole.
    for (bad, message) in [
        (
            "member_email,amount\nada@example.com,1\n",
            "missing: program, asset, external_id",
        ),
        (
            "member_email,program,asset,amount,external_id\n",
            "no lines",
        ),
    ] {
        let refused = admin.refused(RunImport { csv: bad.into() }).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.error.message.contains(message),
            "{}",
            refused.error.message
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'incentives_imported'")
            .await,
        2
    );
    let member = ada.browser(&app).await;
    assert_eq!(
        member.refused(RunImport { csv: file.into() }).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&app).await, 2);
}

/// Points are paid like money: GEMS incentives from a GEMS funding wallet
/// to the member's GEMS wallet; a USD wallet cannot pay them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_incentives_are_paid_from_a_points_wallet() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let created = incentives::create(
        &app.state.db,
        &app.clock,
        Origin {
            source: IncentiveSource::Api,
            api_key_id: None,
            admin_user_id: None,
        },
        &IncentiveInput {
            member_email: "ada@example.com".into(),
            member_name: None,
            program: "referral".into(),
            asset: "gems".into(),
            amount: "250".into(),
            description: "Referred a friend".into(),
            external_id: Some("ref-1".into()),
        },
    )
    .await
    .unwrap();
    let incentives::Created::New(view) = created else {
        panic!("{created:?}")
    };
    decide_incentives(&app, &desk, &[view.id], IncentiveAction::Approve, "").await;
    let usd = funding_wallet(&app, &desk, "Dollars", 100_000).await;
    let now = app.clock.now();
    let txn = db::begin_write(&app.state.db).await.unwrap();
    let gems = ledger::create_funding_wallet(&txn, now, "Gem issuance", desk.gems.id)
        .await
        .unwrap();
    ledger::record_deposit(&txn, now, &gems, 1_000, None, None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let pay = |wallet: i64| PaymentInput {
        ids: vec![view.id],
        funding_wallet_id: wallet,
        description: "Referral rewards".into(),
        idempotency_key: key(),
    };
    let err = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(usd.id),
        None,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap_err();
    assert!(
        err.message
            .contains("None of the selected incentives is approved and in USD"),
        "{}",
        err.message
    );
    let outcome = incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &pay(gems.id),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (outcome.total.code.as_str(), outcome.total.minor),
        ("GEMS", 250)
    );
    let wallet = ledger::member_wallet(&app.state.db, now, ada.actor.user_id, desk.gems.id)
        .await
        .unwrap();
    assert_eq!(wallet.balance, 250);
    assert_eq!(balance(&app, gems.id).await, 750);
    assert_ledger_clean(&app).await;
}

/// `verify` notices an incentive paid without its entry, or an entry that
/// moved more than the incentives it paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_tampered_incentive_payment() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let ids = pending_incentives(&app, &desk, "ada", &[500, 700]).await;
    decide_incentives(&app, &desk, &ids, IncentiveAction::Approve, "").await;
    let wallet = funding_wallet(&app, &desk, "Budget", 10_000).await;
    incentives::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &PaymentInput {
            ids: ids.clone(),
            funding_wallet_id: wallet.id,
            description: "Paid".into(),
            idempotency_key: key(),
        },
        None,
    )
    .await
    .unwrap();
    assert_ledger_clean(&app).await;
    // Each tampering is checked on its own: the violations verify reports.
    let after = |sql: String| {
        let db = app.state.db.clone();
        async move {
            db.execute_unprepared(&sql).await.unwrap();
            app::integrity::verify(&db).await.unwrap().violations
        }
    };
    let first = ids[0];
    let violations = after(format!(
        "UPDATE incentives SET amount_minor = 600 WHERE id = {first}"
    ))
    .await;
    assert!(
        violations
            .iter()
            .any(|v| v.contains("moved 1200 in 2 transfers for 2 incentives owed 1300")),
        "{violations:?}"
    );
    let violations = after(format!(
        "UPDATE incentives SET amount_minor = 500, paid_entry_id = NULL WHERE id = {first}"
    ))
    .await;
    assert!(
        violations
            .iter()
            .any(|v| v.contains("1 incentives are paid without a journal entry")),
        "{violations:?}"
    );
}

async fn get(app: &TestApp, key: &str, external_id: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{PATH}/{external_id}", app.address))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_sees_only_its_own_incentives_and_may_expire() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let website = api_key(&app, &desk).await;
    let (_, partner) = app::incentives::keys::create(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        "Partner portal",
        Some(30),
        None,
    )
    .await
    .unwrap();
    let (status, _) = post(
        &app,
        Some(&website),
        item("ada@example.com", "deal-1", "10"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // The other key neither reads it nor learns about it by repeating it.
    assert_eq!(get(&app, &website, "deal-1").await.status(), StatusCode::OK);
    assert_eq!(
        get(&app, &partner, "deal-1").await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, answer) = post(
        &app,
        Some(&partner),
        item("ada@example.com", "deal-1", "10"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(answer.get("id").is_none(), "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another API key"),
        "{answer}"
    );
    assert_eq!(count(&app).await, 1);

    // A key made to last 30 days stops working after them.
    let (status, _) = post(&app, Some(&partner), item("ada@example.com", "deal-2", "5")).await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock
        .advance(chrono::Duration::days(30) + chrono::Duration::seconds(1));
    let (status, answer) = post(&app, Some(&partner), item("ada@example.com", "deal-3", "5")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{answer}"
    );
    assert_eq!(
        get(&app, &partner, "deal-2").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(count(&app).await, 2);
    let keys = app::incentives::keys::list(&app.state.db, &app.clock)
        .await
        .unwrap();
    let shown = keys.iter().find(|k| k.name == "Partner portal").unwrap();
    assert!(shown.expired && shown.expires_at.is_some());

    // The admin form refuses a lifetime that makes no sense.
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let create = |name: &str, days: &str| CreateApiKey {
        name: name.into(),
        expires_in_days: days.into(),
    };
    for bad in ["0", "forever", "99999"] {
        let refused = admin.refused(create("Bad", bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            refused.error.message.starts_with("Expires:"),
            "{}",
            refused.error.message
        );
    }
    let made = admin.ok(create("Quarterly", "90")).await;
    assert!(made.key.expires_at.is_some());
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_a_rate_limit_with_retry_after() {
    let app = crate::helpers::spawn_app_with(
        app::platform::Settings {
            api_requests_per_minute: 3,
            ..app::platform::Settings::default()
        },
        false,
    )
    .await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let first = api_key(&app, &desk).await;
    let second = api_key(&app, &desk).await;
    for n in 0..3 {
        let (status, _) = post(
            &app,
            Some(&first),
            item("ada@example.com", &format!("d{n}"), "1"),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let refused = reqwest::Client::new()
        .post(format!("{}{PATH}", app.address))
        .bearer_auth(&first)
        .json(&item("ada@example.com", "d3", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 3 a minute"),
        "{body}"
    );
    assert_eq!(
        get(&app, &first, "d0").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(count(&app).await, 3);
    // Another key has its own allowance.
    let (status, _) = post(&app, Some(&second), item("ada@example.com", "e0", "1")).await;
    assert_eq!(status, StatusCode::CREATED);
}
