//! Funding wallets over HTTP: create, deposit once per key, read the
//! history, bad input, and who may do it.

use crate::client::{Answered, Refused};
use crate::helpers::{spawn_app, Browser};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::{assert_ledger_clean, desk, key};
use app::error::ErrorCode;
use app::funding::api::{CreateFundingWallet, FundingPage, RecordDeposit};
use app::funding::FundingView;
use reqwest::StatusCode;

async fn create(browser: &Browser, name: &str, asset: &str) -> Result<i64, Refused> {
    browser
        .call(CreateFundingWallet {
            name: name.into(),
            asset: asset.into(),
        })
        .await
}

async fn deposit(
    browser: &Browser,
    wallet_id: i64,
    amount: &str,
    memo: &str,
    key: &str,
) -> Result<i64, Refused> {
    browser
        .call(RecordDeposit {
            wallet_id,
            amount: amount.into(),
            memo: memo.into(),
            idempotency_key: key.into(),
        })
        .await
        // These desks have no approval limit: every deposit is recorded.
        .map(|moved| moved.done().expect("recorded, not held"))
}

async fn view(browser: &Browser, wallet_id: Option<i64>) -> Result<FundingView, Refused> {
    browser.call(FundingPage { wallet_id, page: 1 }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_wallet_and_records_a_deposit_once() {
    let app = spawn_app().await;
    desk(&app).await;
    let admin = admin_browser(&app).await;

    let empty: FundingView = view(&admin, None).await.unwrap();
    assert!(empty.statement.wallets.is_empty());
    assert!(empty.statement.wallet.is_none());
    assert!(empty.assets.iter().any(|a| a.code == "USD"));

    let wallet = create(&admin, "  Incentives USD ", "usd").await.unwrap();

    let key = key();
    let first: i64 = deposit(&admin, wallet, "1000.50", "Bank transfer of 3 March", &key)
        .await
        .unwrap();
    let again: i64 = deposit(&admin, wallet, "1000.50", "Bank transfer of 3 March", &key)
        .await
        .unwrap();
    assert_eq!(first, again, "the same key records one deposit");

    let page: FundingView = view(&admin, Some(wallet)).await.unwrap();
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
    let wallet: i64 = create(&admin, "Main", "USD").await.unwrap();

    for (name, asset, message) in [
        ("", "USD", "Give the wallet a name"),
        ("MAIN", "USD", "already exists"),
        ("Other", "DOGE", "Unknown asset"),
    ] {
        let (status, error) = create(&admin, name, asset).await.refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name} {asset}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    for (amount, memo, message) in [
        ("-5", "refund", "negative"),
        ("1.234", "too precise", "decimal"),
        ("10", "  ", "Give a reason"),
    ] {
        let (status, error) = deposit(&admin, wallet, amount, memo, &key())
            .await
            .refusal();
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
    let (status, error) = deposit(&admin, wallet + 999, "10", "memo", &key())
        .await
        .refusal();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error.code, ErrorCode::NotFound);
    let (status, _) = view(&admin, Some(wallet + 999)).await.refusal();
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
