//! The live "requests waiting" stream behind the admin sidebar badge: who may
//! open it, what it sends as requests come and go, across two instances on
//! PostgreSQL, and that it lets the server shut down.

use std::time::Duration;

use crate::client::Answered;
use crate::helpers::{spawn_app, Browser, TestApp};
use crate::ledger_fixture::{desk, key, Desk};
use app::payouts::api::{ActOnPayout, RequestedCount};
use app::withdrawals::api::{CancelWithdrawal, RequestWithdrawal};
use app::withdrawals::WithdrawalAction;
use reqwest::{header, StatusCode};

const STREAM: &str = "/admin/live/requested";

/// An open event stream, read event by event.
struct Badge {
    response: reqwest::Response,
    buffer: String,
}

impl Badge {
    async fn open(browser: &Browser) -> Badge {
        let response = browser.get(STREAM).await;
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Badge {
            response,
            buffer: String::new(),
        }
    }

    /// The next count sent. The time limit only bounds a failing test: the
    /// count is awaited, not slept for.
    async fn next(&mut self) -> u64 {
        tokio::time::timeout(Duration::from_secs(15), self.read_count())
            .await
            .expect("the stream sends the new count")
    }

    async fn read_count(&mut self) -> u64 {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                // Keep-alive comments (": ...") carry no event.
                let mut event = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event = Some(name.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data = Some(value.trim().to_owned());
                    }
                }
                if let (Some(event), Some(data)) = (event, data) {
                    assert_eq!(event, "requested");
                    return data.parse().expect("a count");
                }
                continue;
            }
            let chunk = self
                .response
                .chunk()
                .await
                .expect("read the stream")
                .expect("the stream is still open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// True once the server has ended the stream.
    async fn ended(&mut self) -> bool {
        loop {
            match self.response.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return true,
            }
        }
    }
}

async fn signed_in(browser: Browser, email: &str, password: &str) -> Browser {
    let response = browser.log_in(email, password).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    browser
}

/// A member with USD to withdraw and PayPal details, signed in over HTTP.
async fn member(app: &TestApp, desk: &Desk, name: &str, browser: Browser) -> (Browser, i64) {
    let member = desk.member(app, name).await;
    let wallet = desk.credit(app, &member, &desk.usd, 100_000).await;
    let email = format!("{name}@example.com");
    (
        signed_in(browser, &email, "member passphrase").await,
        wallet.id,
    )
}

async fn ask(browser: &Browser, wallet_id: i64, amount: &str) -> i64 {
    let view = browser
        .ok(RequestWithdrawal {
            wallet_id,
            method: "paypal".into(),
            amount: Some(amount.into()),
            max: None,
            idempotency_key: key(),
        })
        .await;
    view.id
}

async fn admin_acts(admin: &Browser, request_id: i64, action: WithdrawalAction) {
    admin
        .ok(ActOnPayout {
            request_id,
            action,
            note: Some("checked".into()),
            external_reference: None,
            payment_date: None,
            idempotency_key: key(),
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_open_the_stream() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    assert_eq!(
        app.new_browser().get(STREAM).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (member, _) = member(&app, &desk, "ada", app.new_browser()).await;
    assert_eq!(member.get(STREAM).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.call(RequestedCount {}).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_follows_requests_as_they_come_and_go() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (ada, wallet) = member(&app, &desk, "ada", app.new_browser()).await;
    let first = ask(&ada, wallet, "10").await;

    let admin = signed_in(app.new_browser(), "boss@example.com", "boss passphrase").await;
    let initial: u64 = admin.ok(RequestedCount {}).await;
    assert_eq!(initial, 1);
    let mut badge = Badge::open(&admin).await;
    assert_eq!(badge.next().await, 1, "the count on connect");

    admin_acts(&admin, first, WithdrawalAction::Approve).await;
    assert_eq!(badge.next().await, 0, "an approval takes one off");

    // Moving an approved request on leaves the count as it is, so nothing
    // is sent: the next event is the next real change, not a repeat.
    admin_acts(&admin, first, WithdrawalAction::MarkProcessing).await;
    let (bob, bob_wallet) = member(&app, &desk, "bob", app.new_browser()).await;
    let second = ask(&bob, bob_wallet, "20").await;
    assert_eq!(badge.next().await, 1, "another member's request");

    bob.ok(CancelWithdrawal {
        request_id: second,
        idempotency_key: key(),
    })
    .await;
    assert_eq!(badge.next().await, 0, "a member's cancel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_on_one_instance_moves_the_badge_on_another() {
    let app = spawn_app().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // Several instances need a shared server database; SQLite is one
        // process. This runs in the PostgreSQL pass (TEST_DATABASE_URL).
        eprintln!("skipped on SQLite: several instances need PostgreSQL");
        return;
    }
    let desk = desk(&app).await;
    let other = app.instance(std::future::pending()).await;

    let admin = signed_in(app.new_browser(), "boss@example.com", "boss passphrase").await;
    let mut badge = Badge::open(&admin).await;
    assert_eq!(badge.next().await, 0);

    // The member uses the other instance only.
    let (ada, wallet) = member(&app, &desk, "ada", other.new_browser()).await;
    assert_eq!(ada.address, other.address);
    ask(&ada, wallet, "10").await;
    assert_eq!(badge.next().await, 1, "NOTIFY reached the first instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_does_not_hold_up_shutdown() {
    let app = spawn_app().await;
    desk(&app).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let instance = app
        .instance(async move {
            let _ = stopped.await;
        })
        .await;
    let admin = signed_in(
        instance.new_browser(),
        "boss@example.com",
        "boss passphrase",
    )
    .await;
    let mut badge = Badge::open(&admin).await;
    assert_eq!(badge.next().await, 0);

    stop.send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(15), instance.served)
        .await
        .expect("the server stops although a stream was open");
    served.unwrap().unwrap();
    assert!(badge.ended().await);
}
