//! Funding wallets over HTTP: create, deposit once per key, read the
//! history, bad input, and who may do it.

use crate::helpers::{error_of, spawn_app, Browser};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::{assert_ledger_clean, desk, key};
use app::error::ErrorCode;
use app::funding::FundingView;
use reqwest::StatusCode;
use serde_json::json;

async fn create(browser: &Browser, name: &str, asset: &str) -> reqwest::Response {
    browser
        .post_form(
            "/api/admin/wallets/create",
            &[("name", name), ("asset", asset)],
        )
        .await
}

async fn deposit(
    browser: &Browser,
    wallet: i64,
    amount: &str,
    memo: &str,
    key: &str,
) -> reqwest::Response {
    let wallet = wallet.to_string();
    browser
        .post_form(
            "/api/admin/wallets/deposit",
            &[
                ("wallet_id", wallet.as_str()),
                ("amount", amount),
                ("memo", memo),
                ("idempotency_key", key),
            ],
        )
        .await
}

async fn view(browser: &Browser, wallet: Option<i64>) -> reqwest::Response {
    browser
        .post_json(
            "/api/admin/wallets/page",
            json!({ "wallet_id": wallet, "page": 1 }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_wallet_and_records_a_deposit_once() {
    let app = spawn_app().await;
    desk(&app).await;
    let admin = admin_browser(&app).await;

    let empty: FundingView = view(&admin, None).await.json().await.unwrap();
    assert!(empty.statement.wallets.is_empty());
    assert!(empty.statement.wallet.is_none());
    assert!(empty.assets.iter().any(|a| a.code == "USD"));

    let response = create(&admin, "  Incentives USD ", "usd").await;
    assert_eq!(response.status(), StatusCode::OK);
    let wallet: i64 = response.json().await.unwrap();

    let key = key();
    let first: i64 = deposit(&admin, wallet, "1000.50", "Bank transfer of 3 March", &key)
        .await
        .json()
        .await
        .unwrap();
    let again: i64 = deposit(&admin, wallet, "1000.50", "Bank transfer of 3 March", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, again, "the same key records one deposit");

    let page: FundingView = view(&admin, Some(wallet)).await.json().await.unwrap();
    let shown = page.statement.wallet.expect("the wallet");
    assert_eq!(shown.name.as_deref(), Some("Incentives USD"));
    assert_eq!(shown.asset.code, "USD");
    assert_eq!(shown.balance, 100_050);
    assert_eq!(page.statement.lines.len(), 1);
    assert_eq!(page.statement.lines[0].amount, 100_050);
    assert_eq!(page.statement.lines[0].balance_after, 100_050);
    assert_eq!(
        page.statement.lines[0].description,
        "Bank transfer of 3 March"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'funding_wallet_created'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'deposit_recorded'")
            .await,
        1
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_changes_nothing_and_members_are_refused() {
    let app = spawn_app().await;
    desk(&app).await;
    let admin = admin_browser(&app).await;
    let wallet: i64 = create(&admin, "Main", "USD").await.json().await.unwrap();

    for (name, asset, message) in [
        ("", "USD", "Give the wallet a name"),
        ("MAIN", "USD", "already exists"),
        ("Other", "DOGE", "Unknown asset"),
    ] {
        let (status, error) = error_of(create(&admin, name, asset).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name} {asset}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    for (amount, memo, message) in [
        ("-5", "refund", "negative"),
        ("1.234", "too precise", "decimal"),
        ("10", "  ", "Give a reason"),
    ] {
        let (status, error) = error_of(deposit(&admin, wallet, amount, memo, &key()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{amount} {memo}");
        assert!(
            error
                .message
                .to_lowercase()
                .contains(&message.to_lowercase()),
            "{}",
            error.message
        );
    }
    let (status, error) = error_of(deposit(&admin, wallet + 999, "10", "memo", &key()).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error.code, ErrorCode::NotFound);
    let (status, _) = error_of(view(&admin, Some(wallet + 999)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM wallets WHERE kind = 'funding'")
            .await,
        1
    );

    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    assert_eq!(view(&member, None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        create(&member, "Mine", "USD").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        deposit(&member, wallet, "10", "memo", &key())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
}
