//! The member area's server functions over HTTP: each checks the session,
//! scopes to the member, validates, and changes nothing on bad input.

use crate::client::{Answered, Refused};
use crate::helpers::{error_of, spawn_app, Browser, TestApp, TestUser};
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, Desk, Member};
use app::account::api::Statement;
use app::error::ErrorCode;
use app::payout_details::api::{LoadPayoutDetails, SetDefaultPayoutMethod};
use app::payout_details::SavedDetails;
use app::verification::api::MyVerification;
use app::verification::{VerificationStatus, VerificationView};
use app::withdrawals::api::{
    CancelWithdrawal, LoadWithdrawPage, RequestWithdrawal, WithdrawalHistory,
};
use app::withdrawals::preview::{HistoryPage, WithdrawPage};
use app::withdrawals::{rules, WithdrawalStatus, WithdrawalView};
use reqwest::StatusCode;
use serde_json::json;

/// A member signed up through the API, with the browser that holds their session.
async fn signed_in(app: &TestApp) -> (Browser, Member, TestUser) {
    let user = TestUser::generate();
    let browser = app.new_browser();
    let response = browser.sign_up(&user).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let me = browser.me().await.expect("signed in");
    let member = Member::new(me.id, me.email.clone());
    (browser, member, user)
}

async fn save_paypal(browser: &Browser, email: &str) -> reqwest::Response {
    browser
        .post_form(
            "/api/payout-details/save",
            &[("method", "paypal"), ("email", email)],
        )
        .await
}

async fn page(browser: &Browser) -> WithdrawPage {
    browser.ok(LoadWithdrawPage {}).await
}

async fn history(browser: &Browser, page: u64) -> HistoryPage {
    browser.ok(WithdrawalHistory { page }).await
}

/// A withdrawal request as the form sends it ("max" ticks the maximum box).
async fn ask(
    browser: &Browser,
    wallet_id: i64,
    method: &str,
    amount: &str,
    key: &str,
) -> Result<WithdrawalView, Refused> {
    let (amount, max) = match amount {
        "max" => (None, Some("1".to_owned())),
        amount => (Some(amount.to_owned()), None),
    };
    browser
        .call(RequestWithdrawal {
            wallet_id,
            method: method.into(),
            amount,
            max,
            idempotency_key: key.into(),
        })
        .await
}

fn cancel(request_id: i64, key: &str) -> CancelWithdrawal {
    CancelWithdrawal {
        request_id,
        idempotency_key: key.into(),
    }
}

async fn member_with_gems(app: &TestApp, desk: &Desk) -> (Browser, Member, i64) {
    let (browser, member, user) = signed_in(app).await;
    assert!(save_paypal(&browser, &user.email)
        .await
        .status()
        .is_success());
    let wallet = desk.credit(app, &member, &desk.gems, 800).await;
    (browser, member, wallet.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_function_needs_a_member_session() {
    let app = spawn_app().await;
    let visitor = app.new_browser();
    let reads = [
        ("/api/withdrawals/page", json!({})),
        ("/api/withdrawals/history", json!({ "page": 1 })),
        (
            "/api/account/statement",
            json!({ "wallet_id": null, "page": 1 }),
        ),
        ("/api/payout-details/page", json!({})),
        ("/api/verification/get", json!({})),
    ];
    for (path, body) in &reads {
        let (status, error) = error_of(visitor.post_json(path, body.clone()).await).await;
        assert_eq!(
            (status, error.code),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            "{path}"
        );
    }
    let writes: [(&str, &[(&str, &str)]); 5] = [
        (
            "/api/withdrawals/request",
            &[
                ("wallet_id", "1"),
                ("method", "paypal"),
                ("amount", "5"),
                ("idempotency_key", "k"),
            ],
        ),
        (
            "/api/withdrawals/cancel",
            &[("request_id", "1"), ("idempotency_key", "k")],
        ),
        (
            "/api/payout-details/save",
            &[("method", "paypal"), ("email", "a@example.com")],
        ),
        ("/api/payout-details/default", &[("method", "paypal")]),
        (
            "/api/verification/submit",
            &[
                ("first_name", "A"),
                ("last_name", "B"),
                ("tax_id", "1234"),
                ("mobile", "+4470000000"),
                ("country", "GB"),
                ("address", "Somewhere 1"),
            ],
        ),
    ];
    for (path, fields) in &writes {
        let (status, _) = error_of(visitor.post_form(path, fields).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }

    // The member area is for members: an administrator is refused, not served empty.
    let browser = app.signed_in_admin().await;
    let me = browser.me().await.map(|me| (me.id, me.role));
    assert_eq!(me, Some((browser.view.id, app::auth::Role::Admin)));
    for (path, body) in &reads {
        let (status, _) = error_of(browser.post_json(path, body.clone()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM payout_details").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_verifications")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payout_details_are_validated_masked_and_audited() {
    let app = spawn_app().await;
    let _desk = desk(&app).await;
    let (browser, _member, _user) = signed_in(&app).await;

    let bad: [(&[(&str, &str)], &str); 9] = [
        (
            &[("method", "paypal"), ("email", "not-an-email")],
            "PayPal email",
        ),
        (
            &[
                ("method", "bank"),
                ("holder_name", "Ada"),
                ("iban", "DE89370400440532013001"),
                ("bic", "DEUTDEFF"),
                ("bank_name", "DB"),
                ("country", "DE"),
            ],
            "check digits",
        ),
        (
            &[
                ("method", "bank"),
                ("holder_name", "Ada"),
                ("account_number", "123456789"),
                ("routing_number", "021000022"),
                ("bank_name", "Chase"),
                ("country", "US"),
            ],
            "Routing number",
        ),
        (
            &[
                ("method", "bank"),
                ("holder_name", "Ada"),
                ("iban", "DE89370400440532013000"),
                ("bic", "DEUT1EFF"),
                ("bank_name", "DB"),
                ("country", "DE"),
            ],
            "SWIFT/BIC",
        ),
        (
            &[
                ("method", "bank"),
                ("iban", "DE89370400440532013000"),
                ("bic", "DEUTDEFF"),
                ("bank_name", "DB"),
                ("country", "DE"),
            ],
            "Account holder name",
        ),
        (
            &[
                ("method", "bank"),
                ("holder_name", "Ada"),
                ("bank_name", "DB"),
                ("country", "DE"),
            ],
            "Enter an IBAN",
        ),
        (
            &[
                ("method", "crypto"),
                ("network", "ethereum"),
                ("address", "0x123"),
            ],
            "Wallet address",
        ),
        (
            &[
                ("method", "gift_card"),
                ("brand", "Unlisted Shop"),
                ("email", "ada@example.com"),
            ],
            "Choose a brand",
        ),
        (
            &[("method", "carrier_pigeon"), ("email", "ada@example.com")],
            "Unknown payout method",
        ),
    ];
    for (fields, expected) in bad {
        let (status, error) =
            error_of(browser.post_form("/api/payout-details/save", fields).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(
            error.message.contains(expected),
            "{fields:?}: {:?} lacks {expected:?}",
            error.message
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payout_details").await,
        0,
        "nothing saved"
    );

    let response = save_paypal(&browser, "ada.lovelace@example.com").await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: SavedDetails = response.json().await.unwrap();
    assert_eq!(saved.masked, "a•••@example.com");
    assert!(saved.is_default, "the first details become the default");

    let response = browser
        .post_form(
            "/api/payout-details/save",
            &[
                ("method", "bank"),
                ("holder_name", "Ada Lovelace"),
                ("iban", "GB82 WEST 1234 5698 7654 32"),
                ("bic", "WESTGB2L"),
                ("bank_name", "Westminster"),
                ("country", "GB"),
                ("email", "ignored@example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bank: SavedDetails = response.json().await.unwrap();
    assert_eq!(bank.masked, "Westminster •••• 5432");
    assert!(!bank.is_default);
    assert!(
        bank.fields.email.is_empty(),
        "only the method's fields are kept"
    );

    browser
        .ok(SetDefaultPayoutMethod {
            method: "bank".into(),
        })
        .await;
    let details = browser.ok(LoadPayoutDetails {}).await;
    let defaults: Vec<_> = details
        .methods
        .iter()
        .filter_map(|(method, saved)| saved.as_ref().filter(|s| s.is_default).map(|_| *method))
        .collect();
    assert_eq!(
        defaults,
        vec![app::payout_details::method::PayoutMethod::Bank],
        "exactly one default"
    );
    assert_eq!(details.methods.len(), 4, "every enabled method has a form");

    let (status, error) = browser
        .call(SetDefaultPayoutMethod {
            method: "crypto".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.message, "Save your Crypto details first");

    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_saved'")
            .await,
        2
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'default_payout_method_changed'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%98765432%' OR detail LIKE '%ada.lovelace%'").await,
        0,
        "the audit trail keeps only masked details"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_converted_points_and_method_limits() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, _member, _wallet) = member_with_gems(&app, &desk).await;
    let data = page(&browser).await;
    assert_eq!(data.wallets.len(), 1);
    let gems = &data.wallets[0];
    assert_eq!((gems.asset.code.as_str(), gems.balance), ("GEMS", 800));
    assert_eq!(
        (gems.currency.code.as_str(), gems.available_money),
        ("USD", 8_000)
    );
    let paypal = data
        .methods
        .iter()
        .find(|m| {
            m.method == app::payout_details::method::PayoutMethod::Paypal
                && m.currency_asset_id == desk.usd.id
        })
        .expect("PayPal in USD");
    assert_eq!(paypal.min_minor, 100);
    assert_eq!(paypal.details.as_deref(), Some("m•••@example.com"));
    assert!(data.has_details);
    assert_eq!(data.fresh_key.len(), 32);
    assert_ne!(
        data.fresh_key,
        page(&browser).await.fresh_key,
        "each load offers a new key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_submit_makes_one_request_and_cancel_gives_it_back() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, _member, wallet) = member_with_gems(&app, &desk).await;

    let first = ask(&browser, wallet, "paypal", "12.34", "key-1")
        .await
        .unwrap();
    let second = ask(&browser, wallet, "paypal", "12.34", "key-1")
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        1
    );
    assert_eq!(first.amount, 124, "12.34 USD is 123.4 gems, rounded up");
    assert_eq!(first.payout_masked.as_deref(), Some("m•••@example.com"));
    assert_eq!(balance(&app, wallet).await, 676);
    assert_eq!(page(&browser).await.wallets[0].balance, 676);

    let listed = history(&browser, 1).await;
    assert_eq!(listed.total, 1);
    assert_eq!(listed.rows[0].request.status, WithdrawalStatus::Requested);
    assert_eq!(listed.rows[0].events.len(), 1);
    assert_eq!(listed.rows[0].events[0].by, "You");

    let canceled = browser.ok(cancel(first.id, "cancel-1")).await;
    assert_eq!(canceled.status, WithdrawalStatus::Canceled);
    assert_eq!(
        browser.ok(cancel(first.id, "cancel-1")).await.status,
        WithdrawalStatus::Canceled,
        "a replay answers the first outcome"
    );
    assert_eq!(balance(&app, wallet).await, 800);
    let (status, error) = browser.call(cancel(first.id, "cancel-2")).await.refusal();
    assert_eq!(status, StatusCode::CONFLICT, "{}", error.message);
    assert_eq!(balance(&app, wallet).await, 800, "money moved back once");
    let listed = history(&browser, 1).await;
    assert_eq!(listed.rows[0].request.status, WithdrawalStatus::Canceled);
    assert_eq!(listed.rows[0].events.len(), 2);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_cannot_see_or_touch_each_others_requests() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (ada, _, ada_wallet) = member_with_gems(&app, &desk).await;
    let (bob, _, bob_wallet) = member_with_gems(&app, &desk).await;
    let request = ask(&ada, ada_wallet, "paypal", "10", "a").await.unwrap();

    // Bob cancels Ada's request: not found, as if it did not exist.
    let (status, _) = bob.call(cancel(request.id, "b")).await.refusal();
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Bob withdraws from Ada's wallet: not found either.
    let (status, _) = ask(&bob, ada_wallet, "paypal", "10", "c").await.refusal();
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Bob reads Ada's statement: not found.
    let (status, _) = bob
        .call(Statement {
            wallet_id: Some(ada_wallet),
            page: 1,
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(history(&bob, 1).await.total, 0, "Bob's history is his own");
    assert_eq!(history(&ada, 1).await.total, 1);
    assert_eq!(balance(&app, ada_wallet).await, 700);
    assert_eq!(balance(&app, bob_wallet).await, 800);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests WHERE status = 'requested'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_rule_answers_with_its_message() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, member, user) = signed_in(&app).await;
    let usd = desk.credit(&app, &member, &desk.usd, 100_000).await.id;

    // No details saved yet for the method.
    let (status, error) = ask(&browser, usd, "paypal", "10", "k0").await.refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error.message,
        "Save your PayPal details before requesting a withdrawal with it"
    );
    save_paypal(&browser, &user.email).await;

    app::platform::settings_store::put_setting(
        &app.state.db,
        &rules::verification_threshold_key("USD"),
        "50000",
    )
    .await
    .unwrap();
    rules::put_method_rule(
        &app.state.db,
        rules::MethodRule {
            max_minor: Some(80_000),
            ..rules::MethodRule::free(
                app::payout_details::method::PayoutMethod::Paypal,
                desk.usd.id,
                500,
            )
        },
    )
    .await
    .unwrap();
    let cases = [
        ("4.99", "The minimum withdrawal is 5.00 USD"),
        ("800.01", "The maximum withdrawal is 800.00 USD"),
        (
            "500.01",
            "Withdrawals above 500.00 USD need a verified account",
        ),
        ("-5", "The amount cannot be negative"),
        ("12.345", "USD amounts have at most 2 decimal places"),
        ("lots", "Write the amount with the digits"),
        ("", "Enter an amount"),
    ];
    for (amount, expected) in cases {
        let (status, error) = ask(&browser, usd, "paypal", amount, &format!("k-{amount}"))
            .await
            .refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{amount:?}");
        assert!(
            error.message.starts_with(expected),
            "{amount:?}: {:?}",
            error.message
        );
    }
    let poor = desk.credit(&app, &member, &desk.gems, 10).await.id;
    let (_, error) = ask(&browser, poor, "paypal", "5", "k-poor").await.refusal();
    assert_eq!(
        error.message,
        "Insufficient funds: the wallet's available balance is 1.00 USD"
    );

    app::platform::settings_store::put_setting(&app.state.db, rules::ONE_OPEN_REQUEST, "true")
        .await
        .unwrap();
    app::platform::settings_store::put_setting(&app.state.db, rules::MIN_DELAY_SECONDS, "86400")
        .await
        .unwrap();
    ask(&browser, usd, "paypal", "10", "k-ok").await.unwrap();
    let (_, error) = ask(&browser, usd, "paypal", "10", "k-open").await.refusal();
    assert!(
        error
            .message
            .starts_with("You already have an open withdrawal request"),
        "{}",
        error.message
    );
    app::platform::settings_store::put_setting(&app.state.db, rules::ONE_OPEN_REQUEST, "false")
        .await
        .unwrap();
    let (_, error) = ask(&browser, usd, "paypal", "10", "k-soon").await.refusal();
    assert_eq!(
        error.message,
        "Please wait 24 hours before requesting another withdrawal"
    );

    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        1,
        "only the good one"
    );
    assert_eq!(balance(&app, usd).await, 99_000);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_newest_first_and_paginated() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, member, user) = signed_in(&app).await;
    save_paypal(&browser, &user.email).await;
    let usd = desk.credit(&app, &member, &desk.usd, 100_000).await.id;
    let mut ids = Vec::new();
    for n in 0..12 {
        let view = ask(
            &browser,
            usd,
            "paypal",
            &format!("{}", 5 + n),
            &format!("h{n}"),
        )
        .await
        .unwrap();
        ids.push(view.id);
    }
    let first = history(&browser, 1).await;
    let second = history(&browser, 2).await;
    assert_eq!((first.total, first.pages()), (12, 2));
    assert_eq!(first.rows.len(), 10);
    assert_eq!(second.rows.len(), 2);
    let listed: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.request.id)
        .collect();
    ids.reverse();
    assert_eq!(listed, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statement_carries_a_running_balance_across_pages() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, member, user) = signed_in(&app).await;
    save_paypal(&browser, &user.email).await;
    let usd = desk.credit(&app, &member, &desk.usd, 10_000).await.id;
    for n in 0..12 {
        desk.credit(&app, &member, &desk.usd, 100 + n).await;
    }
    let view = ask(&browser, usd, "paypal", "20", "s1").await.unwrap();
    browser.ok(cancel(view.id, "s2")).await;
    ask(&browser, usd, "paypal", "30", "s3").await.unwrap();

    let fetch = |page: u64| {
        browser.ok(Statement {
            wallet_id: Some(usd),
            page,
        })
    };
    let first = fetch(1).await;
    let second = fetch(2).await;
    assert_eq!(
        first.total, 16,
        "13 credits, a hold, its credit-back, another hold"
    );
    let lines: Vec<_> = first.lines.iter().chain(&second.lines).collect();
    assert_eq!(lines.len(), 16);
    assert_eq!(lines[0].balance_after, balance(&app, usd).await);
    assert_eq!(lines[0].amount, -3_000);
    assert!(
        lines[0].description.contains("requested"),
        "{}",
        lines[0].description
    );
    assert!(
        lines[1].description.contains("credited back"),
        "{}",
        lines[1].description
    );
    for pair in lines.windows(2) {
        assert_eq!(
            pair[1].balance_after,
            pair[0].balance_after - pair[0].amount
        );
    }
    assert_eq!(
        lines.last().unwrap().balance_after,
        10_000,
        "the first credit"
    );
    // Without a wallet id, the member's first wallet.
    let default = browser
        .ok(Statement {
            wallet_id: None,
            page: 1,
        })
        .await;
    assert_eq!(default.wallet.map(|w| w.wallet_id), Some(usd));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_is_submitted_reviewed_and_unlocks_large_withdrawals() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (browser, member, user) = signed_in(&app).await;
    save_paypal(&browser, &user.email).await;
    let usd = desk.credit(&app, &member, &desk.usd, 100_000).await.id;
    app::platform::settings_store::put_setting(
        &app.state.db,
        &rules::verification_threshold_key("USD"),
        "50000",
    )
    .await
    .unwrap();

    let get = || browser.ok(MyVerification {});
    assert_eq!(get().await.status, VerificationStatus::Unverified);

    let good = [
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("tax_id", "AB 12 34 56 C"),
        ("mobile", "+44 7700 900123"),
        ("country", "GB"),
        ("address", "12 St James's Square, London"),
    ];
    for (field, bad_value, expected) in [
        ("first_name", "", "First name"),
        ("tax_id", "1", "Tax ID"),
        ("mobile", "07700 900123", "Mobile number"),
        ("country", "Atlantis", "Country"),
        ("address", "x", "Address"),
    ] {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| {
                if *k == field {
                    (*k, bad_value)
                } else {
                    (*k, *v)
                }
            })
            .collect();
        let (status, error) =
            error_of(browser.post_form("/api/verification/submit", &fields).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            error.message.starts_with(expected),
            "{field}: {}",
            error.message
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_verifications")
            .await,
        0
    );

    let response = browser.post_form("/api/verification/submit", &good).await;
    assert_eq!(response.status(), StatusCode::OK);
    let submitted: VerificationView = response.json().await.unwrap();
    assert_eq!(submitted.status, VerificationStatus::Submitted);
    assert_eq!(submitted.tax_id_masked, "•••• 456C");
    assert_eq!(submitted.mobile, "+447700900123");

    let admin = desk.admin.user_id;
    app::verification::service::review(
        &app.state.db,
        &app.clock,
        admin,
        member.actor.user_id,
        false,
        None,
        &app::verification::service::get(&app.state.db, member.actor.user_id)
            .await
            .unwrap()
            .submission
            .unwrap_or_default(),
    )
    .await
    .expect_err("a rejection needs a note");
    app::verification::service::review(
        &app.state.db,
        &app.clock,
        admin,
        member.actor.user_id,
        false,
        Some("The address does not match the tax record"),
        &app::verification::service::get(&app.state.db, member.actor.user_id)
            .await
            .unwrap()
            .submission
            .unwrap_or_default(),
    )
    .await
    .unwrap();
    let rejected = get().await;
    assert_eq!(rejected.status, VerificationStatus::Rejected);
    assert_eq!(
        rejected.review_note.as_deref(),
        Some("The address does not match the tax record")
    );
    let (_, error) = ask(&browser, usd, "paypal", "600", "v1").await.refusal();
    assert!(
        error.message.contains("need a verified account"),
        "{}",
        error.message
    );

    // Resubmitted after the rejection, then verified: the large withdrawal goes through.
    assert_eq!(
        browser
            .post_form("/api/verification/submit", &good)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(get().await.status, VerificationStatus::Submitted);
    app::verification::service::review(
        &app.state.db,
        &app.clock,
        admin,
        member.actor.user_id,
        true,
        None,
        &app::verification::service::get(&app.state.db, member.actor.user_id)
            .await
            .unwrap()
            .submission
            .unwrap_or_default(),
    )
    .await
    .unwrap();
    assert_eq!(get().await.status, VerificationStatus::Verified);
    ask(&browser, usd, "paypal", "600", "v2").await.unwrap();
    let (status, _) = error_of(browser.post_form("/api/verification/submit", &good).await).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a verified identity is not reopened"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('verification_submitted', 'verification_reviewed')").await,
        4,
        "two submissions and two reviews; the refused rejection wrote nothing"
    );
}
