//! The admin payouts desk over HTTP: filters, paging, bulk actions with
//! mixed rows, concurrent admins, and who may call it.

use crate::client::Answered;
use crate::helpers::{error_of, spawn_app, Browser, TestUser};
use crate::ledger_fixture::{
    act, admin_browser, assert_ledger_clean, balance, desk, key, request, some_requests,
};
use app::error::ErrorCode;
use app::payouts::api::{PayoutProcessView, RevealPayoutDetails};
use app::withdrawals::{WithdrawalAction as A, WithdrawalStatus as S};
use app::{payouts::PayoutList, ui::BulkOutcome};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn list(browser: &Browser, query: Value) -> PayoutList {
    let response = browser
        .post_json("/api/admin/payouts/list", json!({ "query": query }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn bulk(browser: &Browser, request: Value) -> reqwest::Response {
    browser
        .post_json("/api/admin/payouts/bulk", json!({ "request": request }))
        .await
}

fn ids(list: &PayoutList) -> Vec<i64> {
    list.rows.iter().map(|r| r.request.id).collect()
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_reach_the_desk() {
    let app = spawn_app().await;
    let _desk = desk(&app).await;
    let visitor = app.new_browser();
    let member = app.new_browser();
    member.sign_up(&TestUser::generate()).await;
    for browser in [&visitor, &member] {
        let (list_status, _) = error_of(
            browser
                .post_json("/api/admin/payouts/list", json!({ "query": {} }))
                .await,
        )
        .await;
        let (bulk_status, _) = error_of(
            bulk(
                browser,
                json!({ "selection": { "ids": [1] }, "action": "approve", "idempotency_key": "k" }),
            )
            .await,
        )
        .await;
        let expected = if std::ptr::eq(browser, &visitor) {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!((list_status, bulk_status), (expected, expected));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_sorting_and_pages() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    act(&app, desk.admin, made[1], A::Approve, &key())
        .await
        .unwrap();
    let admin = admin_browser(&app).await;

    let all = list(&admin, json!({})).await;
    assert_eq!(all.total, 5);
    assert_eq!(
        ids(&all),
        made.iter().rev().copied().collect::<Vec<_>>(),
        "newest first"
    );
    assert_eq!(all.rows[4].member_name, "ada");
    assert_eq!(all.rows[4].member_email, "ada@example.com");

    assert_eq!(
        ids(&list(&admin, json!({ "status": "approved" })).await),
        vec![made[1]]
    );
    assert_eq!(
        ids(&list(&admin, json!({ "method": "bank" })).await),
        vec![made[3], made[2]]
    );
    assert_eq!(
        ids(&list(&admin, json!({ "currency": "jpy" })).await),
        vec![made[4]]
    );
    assert_eq!(
        ids(&list(&admin, json!({ "q": "BOB" })).await),
        vec![made[3], made[2]]
    );
    assert_eq!(
        ids(&list(&admin, json!({ "q": "ada@example" })).await),
        vec![made[1], made[0]]
    );
    assert_eq!(
        ids(&list(&admin, json!({ "q": format!("#{}", made[2]) })).await),
        vec![made[2]]
    );

    // Dates: each request was made a day after the one before.
    let first_day = app.clock.now() - chrono::Duration::days(5);
    let second = (first_day + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let third = (first_day + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    assert_eq!(
        ids(&list(&admin, json!({ "from": second, "to": third })).await),
        vec![made[2], made[1]]
    );

    let by_amount = list(
        &admin,
        json!({ "sort": "amount", "ascending": true, "currency": "USD" }),
    )
    .await;
    let amounts: Vec<i64> = by_amount
        .rows
        .iter()
        .map(|r| r.request.gross_minor)
        .collect();
    assert_eq!(amounts, vec![1_000, 2_000, 3_000, 5_000]);

    let page1 = list(
        &admin,
        json!({ "per_page": 5, "page": 1, "sort": "created", "ascending": true }),
    )
    .await;
    let page2 = list(
        &admin,
        json!({ "per_page": 5, "page": 2, "sort": "created", "ascending": true }),
    )
    .await;
    assert_eq!(
        (
            page1.total,
            page1.pages(),
            page1.rows.len(),
            page2.rows.len()
        ),
        (5, 1, 5, 0)
    );
    let odd = list(&admin, json!({ "per_page": 7 })).await;
    assert_eq!(odd.per_page, 20, "only the offered page sizes");

    for (query, expected) in [
        (json!({ "status": "lost" }), "Unknown status"),
        (json!({ "method": "pigeon" }), "Unknown payout method"),
        (json!({ "currency": "XXX" }), "Unknown currency XXX"),
        (json!({ "from": "yesterday" }), "is not a date"),
        (
            json!({ "from": "2026-02-02", "to": "2026-01-01" }),
            "start date is after the end date",
        ),
    ] {
        let (status, error) = error_of(
            admin
                .post_json("/api/admin/payouts/list", json!({ "query": query }))
                .await,
        )
        .await;
        assert_eq!(
            (status, error.code),
            (StatusCode::BAD_REQUEST, ErrorCode::Invalid)
        );
        assert!(
            error.message.contains(expected),
            "{query}: {}",
            error.message
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_action_reports_each_row_and_moves_money_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    act(&app, desk.admin, made[0], A::Cancel, &key())
        .await
        .unwrap();
    let admin = admin_browser(&app).await;

    let (status, error) = error_of(
        bulk(&admin, json!({ "selection": { "ids": [made[1]] }, "action": "reject", "idempotency_key": "r" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.starts_with("Rejecting needs a note"),
        "{}",
        error.message
    );
    let (status, error) = error_of(
        bulk(&admin, json!({ "selection": { "ids": [made[1]] }, "action": "approve", "payment_date": "soon", "idempotency_key": "d" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error.message);
    assert_eq!(
        list(&admin, json!({ "status": "requested" })).await.total,
        4,
        "nothing changed"
    );

    let response = bulk(
        &admin,
        json!({ "selection": { "ids": [made[0], made[1], made[2], 999_999] }, "action": "approve", "idempotency_key": "bulk-1" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome: BulkOutcome = response.json().await.unwrap();
    assert_eq!(outcome.succeeded, vec![made[1], made[2]]);
    let skipped: Vec<i64> = outcome.skipped.iter().map(|s| s.id).collect();
    assert_eq!(skipped, vec![made[0], 999_999]);
    assert!(
        outcome.skipped[0].reason.contains("canceled"),
        "{}",
        outcome.skipped[0].reason
    );
    assert!(
        outcome.skipped[1].reason.contains("not found"),
        "{}",
        outcome.skipped[1].reason
    );

    // Mark paid with a receipt: the member sees it; a retry of the same
    // bulk action moves nothing again.
    let paid = json!({
        "selection": { "matching": { "status": "approved" } },
        "action": "mark_processing",
        "idempotency_key": "bulk-2"
    });
    let outcome: BulkOutcome = bulk(&admin, paid.clone()).await.json().await.unwrap();
    assert_eq!(outcome.succeeded, vec![made[1], made[2]]);
    let pay = json!({
        "selection": { "ids": [made[1], made[2]] },
        "action": "mark_paid",
        "external_reference": "RCPT-77",
        "payment_date": "2026-11-20",
        "idempotency_key": "bulk-3"
    });
    let first: BulkOutcome = bulk(&admin, pay.clone()).await.json().await.unwrap();
    let again: BulkOutcome = bulk(&admin, pay).await.json().await.unwrap();
    assert_eq!(first.succeeded, vec![made[1], made[2]]);
    assert_eq!(again, first, "a retried bulk action replays its outcome");
    let paid_rows = list(&admin, json!({ "status": "paid" })).await;
    assert_eq!(paid_rows.total, 2);
    assert!(paid_rows
        .rows
        .iter()
        .all(
            |r| r.request.external_reference.as_deref() == Some("RCPT-77")
                && r.request.payment_date.as_deref() == Some("2026-11-20")
        ));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM journal_entries WHERE kind = 'withdrawal_settle'")
            .await,
        2,
        "each payment settled once"
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_paying_the_same_requests_pay_each_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 1_000_000).await.id;
    let mut made = Vec::new();
    for _ in 0..12 {
        let view = request(&app, &ada, wallet, "paypal", "10", &key())
            .await
            .unwrap();
        act(&app, desk.admin, view.id, A::Approve, &key())
            .await
            .unwrap();
        act(&app, desk.admin, view.id, A::MarkProcessing, &key())
            .await
            .unwrap();
        made.push(view.id);
    }
    let one = admin_browser(&app).await;
    let two = app.signed_in_admin().await;

    let body = |key: &str| json!({ "selection": { "ids": made }, "action": "mark_paid", "idempotency_key": key });
    let (a, b) = tokio::join!(bulk(&one, body("one")), bulk(&two, body("two")));
    let a: BulkOutcome = a.json().await.unwrap();
    let b: BulkOutcome = b.json().await.unwrap();
    let mut paid: Vec<i64> = a.succeeded.iter().chain(&b.succeeded).copied().collect();
    paid.sort_unstable();
    assert_eq!(paid, made, "every request paid by exactly one admin");
    assert_eq!(a.skipped.len() + b.skipped.len(), 12);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM journal_entries WHERE kind = 'withdrawal_settle'")
            .await,
        12
    );
    assert_eq!(balance(&app, wallet).await, 1_000_000 - 12 * 1_000);
    let statuses = list(&one, json!({ "status": "paid" })).await;
    assert_eq!(statuses.total, 12);
    assert!(statuses.rows.iter().all(|r| r.request.status == S::Paid));
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_view_shows_allowed_actions_and_reveals_with_an_audit_row() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;

    let process = |request_id: i64| PayoutProcessView { request_id };
    let view = admin.ok(process(made[2])).await;
    assert_eq!(view.member_name, "bob");
    assert_eq!(
        view.request.payout_masked.as_deref(),
        Some("Deutsche Bank •••• 3000")
    );
    assert_eq!(view.allowed, vec![A::Approve, A::Reject, A::Cancel]);
    assert_eq!(view.timeline.len(), 1);
    assert_eq!(view.timeline[0].by, "bob");
    let amounts: Vec<i64> = view.recent_ledger.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        vec![-5_000, -2_000, 100_000],
        "Bob's two holds after his credit, newest first"
    );

    assert_eq!(
        admin.call(process(999_999)).await.status(),
        StatusCode::NOT_FOUND
    );

    // A reveal shows the frozen details and leaves an audit row.
    let reveal = || RevealPayoutDetails {
        request_id: made[2],
    };
    let revealed = admin.ok(reveal()).await;
    assert!(revealed
        .fields
        .contains(&("IBAN".to_owned(), "DE89370400440532013000".to_owned())));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_revealed'")
            .await,
        1
    );

    // One action, with what the member will read; a reject needs a note.
    let act = |action: &'static str, note: &'static str, key: &'static str| {
        let id = made[2].to_string();
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/api/admin/payouts/act",
                    &[
                        ("request_id", &id),
                        ("action", action),
                        ("note", note),
                        ("idempotency_key", key),
                    ],
                )
                .await
        }
    };
    let (status, error) = error_of(act("reject", " ", "a1").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error.message);
    let (status, _) = error_of(act("launch", "", "a2").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        act("reject", "Bank details could not be confirmed", "a3")
            .await
            .status(),
        StatusCode::OK
    );
    let view = admin.ok(process(made[2])).await;
    assert_eq!(view.request.status, S::Rejected);
    assert!(view.allowed.is_empty());
    assert_eq!(view.timeline[1].by, "Boss");
    assert_eq!(
        view.timeline[1].note.as_deref(),
        Some("Bank details could not be confirmed")
    );

    // Members reach none of it.
    let member = app.new_browser();
    member.sign_up(&TestUser::generate()).await;
    assert_eq!(member.call(reveal()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.call(process(made[2])).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_revealed'")
            .await,
        1
    );
}
