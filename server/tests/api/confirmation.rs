//! An email address proves it belongs to the account before money follows
//! it: sign-up answers alike for new and taken addresses, the confirmation
//! link needs the account's password and works once for a day, and until
//! then incentives wait and withdrawals are refused.

use crate::helpers::{empty_database, error_of, spawn_app, Browser, TestApp, TestUser};

use crate::ledger_fixture::{assert_ledger_clean, balance, desk, funding_wallet, key, Member};
use app::auth::Role;
use app::entities::user;
use app::incentives::{service::WAITING, PaymentOutcome};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{json, Value};

async fn account(app: &TestApp, email: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an account for the address")
}

async fn confirm(browser: &Browser, token: &str, password: &str) -> reqwest::Response {
    browser
        .post_form(
            "/api/auth/confirm-email",
            &[("token", token), ("password", password)],
        )
        .await
}

async fn unconfirmed(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM users WHERE email_confirmed_at IS NULL")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_answers_alike_for_new_and_taken_addresses_and_signs_nobody_in() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let first = app.new_browser();
    let answer = first.sign_up_form(&user).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let said: String = answer.json().await.unwrap();
    assert!(said.contains("Check your inbox"), "{said}");
    assert!(first.session_token().is_none(), "nobody is signed in");
    assert!(first.me().await.is_none());
    assert_eq!(unconfirmed(&app).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_links WHERE purpose = 'confirm'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'email.confirm'")
            .await,
        1
    );

    // The same address again, as a stranger types it: the same answer,
    // nothing created, and the owner is told (once an hour at most).
    let stranger = TestUser {
        email: format!("  {}  ", user.email.to_uppercase()),
        ..TestUser::generate()
    };
    for _ in 0..2 {
        let browser = app.new_browser();
        let answer = browser.sign_up_form(&stranger).await;
        assert_eq!(answer.status(), StatusCode::OK);
        let again: String = answer.json().await.unwrap();
        assert_eq!(again, said);
        assert!(browser.session_token().is_none());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let owner = account(&app, &user.email).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'account.signup_attempted' AND recipient_user_id = {}",
            owner.id
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'signed_up'")
            .await,
        3
    );
    // The stranger's password opens nothing; the owner's still works, and
    // an unconfirmed account may sign in.
    let (status, _) = error_of(
        app.new_browser()
            .log_in(&user.email, &stranger.password)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        first.log_in(&user.email, &user.password).await.status(),
        StatusCode::OK
    );
    let me = first.me().await.expect("signed in");
    assert_eq!((me.role, me.email_confirmed), (Role::Member, false));

    // An administrator made by create-admin is confirmed.
    let admin = app.create_admin(&TestUser::generate()).await;
    assert!(admin.email_confirmed);
    assert_eq!(unconfirmed(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_link_needs_the_password_works_once_and_expires() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up_form(&user).await;
    let token = app.link_token(&user.email, "email.confirm").await;
    // Only the hash is stored.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM password_links WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    // The mailbox's owner clicking a link they did not ask for confirms
    // nothing: the link needs the password of whoever signed up.
    let visitor = app.new_browser();
    let (status, error) = error_of(confirm(&visitor, &token, "not the password").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        error.message.contains("Wrong password"),
        "{}",
        error.message
    );
    let (status, error) = error_of(confirm(&visitor, &token, "").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.starts_with("Password:"), "{}", error.message);
    assert_eq!(unconfirmed(&app).await, 1);
    assert!(visitor.session_token().is_none());

    let answer = confirm(&visitor, &token, &user.password).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let me = visitor.me().await.expect("the link signs in");
    assert!(me.email_confirmed);
    assert_eq!(unconfirmed(&app).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'email_confirmed'")
            .await,
        1
    );
    let (status, error) = error_of(confirm(&app.new_browser(), &token, &user.password).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("already used"), "{}", error.message);

    // A confirmation token sets no password, and it expires after a day.
    let later = TestUser::generate();
    let browser = app.new_browser();
    browser.sign_up_form(&later).await;
    let token = app.link_token(&later.email, "email.confirm").await;
    let (status, _) = error_of(
        browser
            .post_form(
                "/api/auth/reset-password",
                &[
                    ("token", token.as_str()),
                    ("password", "a brand new passphrase"),
                    ("confirm", "a brand new passphrase"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::minutes(1));
    let (status, error) = error_of(confirm(&browser, &token, &later.password).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("expired"), "{}", error.message);
    assert_eq!(unconfirmed(&app).await, 1);

    // Signed in, the member asks for a new link (not twice in a row).
    assert_eq!(
        browser.log_in(&later.email, &later.password).await.status(),
        StatusCode::OK
    );
    let sent: String = browser
        .post_form("/api/auth/resend-confirmation", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(sent.contains("We sent a new link"), "{sent}");
    let again: String = browser
        .post_form("/api/auth/resend-confirmation", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(again.contains("moments ago"), "{again}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_links WHERE purpose = 'confirm'")
            .await,
        3
    );
    let fresh = app.link_token(&later.email, "email.confirm").await;
    assert_ne!(fresh, token);
    assert_eq!(
        confirm(&browser, &fresh, &later.password).await.status(),
        StatusCode::OK
    );
    assert!(browser.me().await.unwrap().email_confirmed);
    let (status, _) = error_of(
        app.new_browser()
            .post_form("/api/auth/resend-confirmation", &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn ask(browser: &Browser, wallet_id: i64, amount: &str) -> reqwest::Response {
    let wallet = wallet_id.to_string();
    let key = key();
    browser
        .post_form(
            "/api/withdrawals/request",
            &[
                ("wallet_id", wallet.as_str()),
                ("method", "paypal"),
                ("idempotency_key", key.as_str()),
                ("amount", amount),
            ],
        )
        .await
}

async fn report(app: &TestApp, api_key: &str, email: &str, external_id: &str, amount: &str) -> i64 {
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v1/incentives", app.address))
        .bearer_auth(api_key)
        .json(&json!({
            "member_email": email,
            "program": "SPIFF",
            "asset": "USD",
            "amount": amount,
            "external_id": external_id,
        }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    let body: Value = answer.json().await.unwrap();
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an id in {body}"))
}

async fn pay(admin: &Browser, ids: &[i64], wallet_id: i64) -> reqwest::Response {
    admin
        .post_json(
            "/api/admin/incentives/pay",
            json!({ "ids": ids, "funding_wallet_id": wallet_id, "description": "March", "idempotency_key": key() }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_waits_for_an_unconfirmed_address() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let budget = funding_wallet(&app, &desk, "Budget", 100_000).await;
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let api_key = app::incentives::keys::create(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        "Website",
        None,
        None,
    )
    .await
    .unwrap()
    .1;

    // Someone signs up with an address and may sign in and save details.
    let user = TestUser::generate();
    let squatter = app.new_browser();
    squatter.sign_up_form(&user).await;
    squatter.log_in(&user.email, &user.password).await;
    let me = squatter.me().await.expect("signed in");
    assert!(!me.email_confirmed);
    let saved = squatter
        .post_form(
            "/api/payout-details/save",
            &[("method", "paypal"), ("email", "squatter@evil.example")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let member = Member::new(me.id, me.email.clone());
    let wallet = desk.credit(&app, &member, &desk.usd, 5_000).await;

    // No withdrawal.
    let (status, error) = error_of(ask(&squatter, wallet.id, "10.00").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("Confirm your email address"),
        "{}",
        error.message
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        0
    );

    // Incentives reported for the address wait, approved or not, and the
    // member is not shown them.
    let theirs = report(&app, &api_key, &user.email, "deal-1", "25.00").await;
    let adas = report(&app, &api_key, "ada@example.com", "deal-2", "10.00").await;
    let decided = admin
        .post_json(
            "/api/admin/incentives/decide",
            json!({ "ids": format!("{theirs},{adas}"), "action": "approve" }),
        )
        .await;
    assert_eq!(decided.status(), StatusCode::OK);
    let list: app::incentives::IncentiveList = admin
        .post_json("/api/admin/incentives/list", json!({ "query": {} }))
        .await
        .json()
        .await
        .unwrap();
    let row = list.rows.iter().find(|r| r.id == theirs).unwrap();
    assert_eq!((row.member_id, row.member_confirmed), (me.id, false));
    let mine: Value = squatter
        .post_json("/api/account/incentives", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["latest"], json!([]), "{mine}");

    let (status, error) = error_of(pay(&admin, &[theirs], budget.id).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("confirmed"), "{}", error.message);
    let outcome: PaymentOutcome = pay(&admin, &[theirs, adas], budget.id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outcome.paid, vec![adas]);
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(
        (outcome.skipped[0].id, outcome.skipped[0].reason.as_str()),
        (theirs, WAITING)
    );
    assert_eq!(balance(&app, wallet.id).await, 5_000);
    assert_eq!(balance(&app, budget.id).await, 100_000 - 1_000);

    // Confirmed, the same incentive is paid by the next payment.
    let token = app.link_token(&user.email, "email.confirm").await;
    assert_eq!(
        confirm(&squatter, &token, &user.password).await.status(),
        StatusCode::OK
    );
    let outcome: PaymentOutcome = pay(&admin, &[theirs], budget.id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outcome.paid, vec![theirs]);
    assert_eq!(balance(&app, wallet.id).await, 7_500);
    assert_eq!(
        ask(&squatter, wallet.id, "10.00").await.status(),
        StatusCode::OK
    );
    let _ = ada;
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_taking_their_address_back_drops_what_a_stranger_saved() {
    let app = spawn_app().await;
    // Every payout method enabled, so the stranger can save PayPal details.
    desk(&app).await;
    let user = TestUser::generate();
    let stranger = app.new_browser();
    stranger.sign_up_form(&user).await;
    stranger.log_in(&user.email, &user.password).await;
    let saved = stranger
        .post_form(
            "/api/payout-details/save",
            &[("method", "paypal"), ("email", "stranger@evil.example")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM payout_details").await, 1);

    // The owner of the mailbox cannot sign up (the address is taken) but
    // can choose a password through "forgot password".
    let owner = app.new_browser();
    assert_eq!(
        owner
            .post_form("/api/auth/forgot-password", &[("email", &user.email)])
            .await
            .status(),
        StatusCode::OK
    );
    // The email worker's step (no SMTP server here, so no worker runs).
    app::auth::links::send_reset_links(&app.state.db, &app.clock)
        .await
        .unwrap();
    let token = app.link_token(&user.email, "password.reset").await;
    let set = owner
        .post_form(
            "/api/auth/reset-password",
            &[
                ("token", token.as_str()),
                ("password", "the real owner's phrase"),
                ("confirm", "the real owner's phrase"),
            ],
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());
    assert_eq!(unconfirmed(&app).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM payout_details").await, 0);
    assert!(stranger.me().await.is_none(), "the stranger is signed out");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'password_reset' AND detail LIKE '%email confirmed%removed%'"
        )
        .await,
        1
    );
    assert_eq!(
        owner
            .log_in(&user.email, "the real owner's phrase")
            .await
            .status(),
        StatusCode::OK
    );
    assert!(owner.me().await.unwrap().email_confirmed);
}

/// Accounts made before the rule existed were trusted with money already:
/// the migration takes their addresses as confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_from_before_the_rule_count_as_confirmed() {
    use migration::MigratorTrait;
    let (url, _guard) = empty_database().await;
    let db = sea_orm::Database::connect(&url).await.unwrap();
    migration::Migrator::up(&db, Some(14)).await.unwrap();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(
        backend,
        "INSERT INTO users (email, display_name, password_hash, role, is_active, is_verified, created_at) \
         VALUES ('old@example.com', 'Old', '!', 'member', true, false, '2026-01-05 10:00:00+00:00')"
            .to_owned(),
    ))
    .await
    .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let old = user::Entity::find()
        .filter(user::Column::Email.eq("old@example.com"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.email_confirmed_at, Some(old.created_at));
}

/// "Forgot password" writes the same rows for an address with an account
/// and one without (the link is made later, by the email worker), so
/// neither the answer nor the work tells who is a member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_does_the_same_work_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let tables = [
        "reset_requests",
        "audit_events",
        "outbox",
        "password_links",
        "users",
        "sessions",
    ];
    async fn rows(app: &TestApp, tables: &[&str]) -> Vec<i64> {
        let mut all = Vec::new();
        for table in tables {
            all.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
        }
        all
    }
    let browser = app.new_browser();
    let mut deltas = Vec::new();
    let mut answers = Vec::new();
    for email in [user.email.as_str(), "nobody@example.com"] {
        let before = rows(&app, &tables).await;
        let answer = browser
            .post_form("/api/auth/forgot-password", &[("email", email)])
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
        answers.push(answer.text().await.unwrap());
        let after = rows(&app, &tables).await;
        deltas.push(
            after
                .iter()
                .zip(&before)
                .map(|(a, b)| a - b)
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(deltas[0], deltas[1], "the same rows, in {tables:?}");
    assert_eq!(deltas[0], vec![1, 1, 0, 0, 0, 0]);

    // The worker's step sends the one link there is an account for.
    let handled = app::auth::links::send_reset_links(&app.state.db, &app.clock)
        .await
        .unwrap();
    assert_eq!(handled, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'password.reset'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reset_requests WHERE outcome = 'unknown email'")
            .await,
        1
    );
    // Handled once: a second step sends nothing more.
    assert_eq!(
        app::auth::links::send_reset_links(&app.state.db, &app.clock)
            .await
            .unwrap(),
        0
    );
    // A day on, the handled requests are cleared away.
    app.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    assert_eq!(
        app::auth::links::purge_reset_requests(&app.state.db, app.clock.now())
            .await
            .unwrap(),
        2
    );
}
