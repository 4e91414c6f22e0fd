//! The audit log viewer over HTTP: filters, order, pages, bad input, and
//! who may read it.

use crate::helpers::{error_of, spawn_app};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::desk;
use crate::ledger_fixture::some_requests;
use app::audit_log::AuditPage;
use app::error::ErrorCode;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn list(browser: &crate::helpers::Browser, query: Value) -> reqwest::Response {
    browser
        .post_json("/api/admin/audit/list", json!({ "query": query }))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_filters_orders_and_pages_every_event() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let stranger = app.new_browser();
    stranger
        .log_in("boss@example.com", "not the passphrase")
        .await;
    let admin = admin_browser(&app).await;

    let all: AuditPage = list(&admin, json!({ "per_page": 100 }))
        .await
        .json()
        .await
        .unwrap();
    let stored = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert_eq!(all.total, u64::try_from(stored).unwrap());
    let ids: Vec<i64> = all.rows.iter().map(|r| r.id).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first);
    assert_eq!(
        all.rows[0].action, "login_succeeded",
        "the admin's own sign-in is newest"
    );
    assert_eq!(all.rows[0].action_label, "Signed in");
    assert_eq!(all.rows[0].actor, "Boss <boss@example.com>");

    let failed: AuditPage = list(&admin, json!({ "action": "login_failed" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert!(failed.rows.iter().all(|r| r.action == "login_failed"));

    let requests: AuditPage = list(
        &admin,
        json!({ "action": "withdrawal_requested", "actor": "BOB" }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(requests.total, 2, "Bob made two requests");
    assert!(requests
        .rows
        .iter()
        .all(|r| r.actor.contains("bob@example.com")));

    let page_two: AuditPage = list(&admin, json!({ "per_page": 10, "page": 2 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page_two.per_page, 10);
    assert_eq!(
        page_two.rows.first().map(|r| r.id),
        all.rows.get(10).map(|r| r.id),
        "page two starts where page one ends"
    );

    // The test clock starts on 2 March 2026: nothing before it.
    let before: AuditPage = list(&admin, json!({ "to": "2026-03-01" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before.total, 0);
    assert!(before.rows.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_refused_and_members_see_nothing() {
    let app = spawn_app().await;
    desk(&app).await;
    let admin = admin_browser(&app).await;
    for (query, message) in [
        (json!({ "action": "launched_rocket" }), "Unknown action"),
        (json!({ "from": "yesterday" }), "is not a date"),
        (
            json!({ "from": "2026-03-05", "to": "2026-03-01" }),
            "start date is after",
        ),
        (json!({ "actor": "x".repeat(201) }), "too long"),
    ] {
        let (status, error) = error_of(list(&admin, query).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, ErrorCode::Invalid);
        assert!(error.message.contains(message), "{}", error.message);
    }

    let member = app.new_browser();
    let user = crate::helpers::TestUser::generate();
    member.sign_up(&user).await;
    assert_eq!(
        list(&member, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        list(&app.new_browser(), json!({})).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
