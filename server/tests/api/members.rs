//! Members as an admin sees them, over HTTP: totals that add up, search, the
//! member page, the active switch, credits and debits once per key, the
//! verification review, and members kept out.

use crate::client::{Answered, Refused};
use crate::helpers::{error_of, spawn_app, Browser, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::some_requests;
use crate::ledger_fixture::{act, assert_ledger_clean, balance, desk, key, request};
use app::entities::{user, withdrawal_request};
use app::ledger::money::Money;
use app::members::api::{ListMembers, MemberDetail};
use app::members::{MemberList, MemberView};
use app::verification::VerificationStatus;
use app::withdrawals::WithdrawalAction as A;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn list(q: &str) -> ListMembers {
    ListMembers {
        q: q.into(),
        page: 1,
    }
}

async fn members(admin: &Browser, q: &str) -> MemberList {
    admin.ok(list(q)).await
}

async fn detail(admin: &Browser, id: i64) -> Result<MemberView, Refused> {
    admin
        .call(MemberDetail {
            member_id: id,
            wallet_id: None,
            page: 0,
        })
        .await
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn gross(app: &TestApp, id: i64) -> i64 {
    withdrawal_request::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .gross_minor
}

fn usd(money: &[Money]) -> i64 {
    money
        .iter()
        .find(|m| m.code == "USD")
        .map_or(0, |m| m.minor)
}

async fn adjust(
    admin: &Browser,
    member: i64,
    direction: &str,
    amount: &str,
    key: &str,
) -> reqwest::Response {
    let member = member.to_string();
    admin
        .post_form(
            "/api/admin/members/adjust",
            &[
                ("member_id", member.as_str()),
                ("asset", "USD"),
                ("direction", direction),
                ("amount", amount),
                ("reason", "Goodwill for the delay"),
                ("idempotency_key", key),
            ],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_adds_up_earned_requested_and_paid() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    for step in [A::Approve, A::MarkProcessing, A::MarkPaid] {
        act(&app, desk.admin, ids[0], step, &key()).await.unwrap();
    }
    // A canceled request's credit-back is the member's own money, not earnings.
    act(&app, desk.admin, ids[1], A::Cancel, &key())
        .await
        .unwrap();
    let admin = admin_browser(&app).await;

    let all = members(&admin, "").await;
    assert_eq!(all.total, 3, "members only, no admins");
    let ada = all
        .rows
        .iter()
        .find(|r| r.email == "ada@example.com")
        .unwrap();
    assert_eq!(usd(&ada.earned), 100_000);
    assert_eq!(usd(&ada.requested), 0);
    assert_eq!(usd(&ada.paid), gross(&app, ids[0]).await);
    assert_eq!(usd(&ada.balances), 100_000 - gross(&app, ids[0]).await);
    let bob = all
        .rows
        .iter()
        .find(|r| r.email == "bob@example.com")
        .unwrap();
    assert_eq!(
        usd(&bob.requested),
        gross(&app, ids[2]).await + gross(&app, ids[3]).await
    );
    assert!(bob.paid.is_empty());
    let cy = all
        .rows
        .iter()
        .find(|r| r.email == "cy@example.com")
        .unwrap();
    assert_eq!(
        cy.requested,
        vec![Money {
            code: "JPY".into(),
            scale: 0,
            minor: gross(&app, ids[4]).await,
        }]
    );

    let found = members(&admin, "BOB").await;
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].email, "bob@example.com");
    let by_id = members(&admin, &format!("#{}", cy.id)).await;
    assert_eq!(by_id.rows.len(), 1);
    assert_eq!(by_id.rows[0].id, cy.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_page_and_what_an_admin_may_change() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    let ada = user_id(&app, "ada@example.com").await;

    let view: MemberView = detail(&admin, ada).await.unwrap();
    assert_eq!(view.member.email, "ada@example.com");
    assert_eq!(view.statement.wallets.len(), 1);
    assert_eq!(view.payout_details.len(), 4);
    assert!(view
        .payout_details
        .iter()
        .all(|d| d.masked.contains('•') || d.method == "Gift card"));
    let listed: Vec<i64> = view.requests.iter().map(|r| r.id).collect();
    assert_eq!(listed, [ids[1], ids[0]], "newest first");
    let admin_id = user_id(&app, "boss@example.com").await;
    assert_eq!(
        detail(&admin, admin_id).await.status(),
        StatusCode::NOT_FOUND
    );

    // Credit once per key; a debit cannot go below zero.
    let wallet = view.statement.wallets[0].wallet_id;
    let before = balance(&app, wallet).await;
    let key = key();
    for _ in 0..2 {
        let response = adjust(&admin, ada, "credit", "5", &key).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(balance(&app, wallet).await, before + 500);
    let (status, error) = error_of(
        adjust(
            &admin,
            ada,
            "debit",
            "1000000",
            &crate::ledger_fixture::key(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("Insufficient"), "{}", error.message);
    // A direction outside its two choices is named in the answer.
    let (status, error) =
        error_of(adjust(&admin, ada, "sideways", "5", &crate::ledger_fixture::key()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("sideways") && error.message.contains("debit"),
        "{}",
        error.message
    );
    let (status, _) = error_of(
        adjust(
            &admin,
            admin_id,
            "credit",
            "5",
            &crate::ledger_fixture::key(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(balance(&app, wallet).await, before + 500);
    assert_ledger_clean(&app).await;

    // The statement shows the credit once, newest first, with the balance
    // it left; another member's wallet is not found through this member.
    let view: MemberView = detail(&admin, ada).await.unwrap();
    let statement = &view.statement;
    assert_eq!(statement.wallet.as_ref().map(|w| w.wallet_id), Some(wallet));
    let newest = &statement.lines[0];
    assert_eq!((newest.amount, newest.balance_after), (500, before + 500));
    let transfers = app
        .count(&format!(
            "SELECT COUNT(*) FROM transfers WHERE debit_wallet_id = {wallet} OR credit_wallet_id = {wallet}"
        ))
        .await;
    assert_eq!(statement.total, transfers as u64);
    let bob = user_id(&app, "bob@example.com").await;
    let bob_view: MemberView = detail(&admin, bob).await.unwrap();
    let bob_wallet = bob_view.statement.wallets[0].wallet_id;
    let response = admin
        .call(MemberDetail {
            member_id: ada,
            wallet_id: Some(bob_wallet),
            page: 1,
        })
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Deactivated: recorded once, and the member can no longer withdraw.
    let set_active = |value: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/api/admin/members/active",
                    &[("member_id", ada.to_string().as_str()), ("active", value)],
                )
                .await
        }
    };
    assert_eq!(set_active("false").await.status(), StatusCode::OK);
    assert_eq!(set_active("false").await.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'member_active_changed'")
            .await,
        1
    );
    let (status, _) = error_of(set_active("maybe").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let ada_member = crate::ledger_fixture::Member::new(ada, "ada@example.com");
    let refused = request(
        &app,
        &ada_member,
        wallet,
        "paypal",
        "1",
        &crate::ledger_fixture::key(),
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("not active"), "{refused}");
    let view: MemberView = detail(&admin, ada).await.unwrap();
    assert!(!view.member.active);
    assert_eq!(set_active("true").await.status(), StatusCode::OK);

    // Verification: nothing to review until the member submits.
    // As the page does: the review names the submission it shows.
    let review = |decision: &'static str, note: &'static str| {
        let admin = &admin;
        async move {
            let shown: MemberView = detail(admin, ada).await.unwrap();
            let submission = shown.verification.submission.unwrap_or_default();
            admin
                .post_form(
                    "/api/admin/members/review",
                    &[
                        ("member_id", ada.to_string().as_str()),
                        ("decision", decision),
                        ("note", note),
                        ("submission", submission.as_str()),
                    ],
                )
                .await
        }
    };
    let (status, error) = error_of(review("approve", "").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.message.contains("no submission"), "{}", error.message);
    app::verification::service::submit(
        &app.state.db,
        &app.clock,
        &app.state.settings.secret_key,
        ada,
        &app::verification::VerificationInput {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            tax_id: "AB 12 34 56 C".into(),
            mobile: "+44 7700 900123".into(),
            country: "GB".into(),
            address: "12 St James's Square, London".into(),
        },
        None,
    )
    .await
    .unwrap();
    // Sealed at rest: the tax ID is not in the database as typed, the
    // masked view comes from its last four.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_verifications WHERE tax_id LIKE '%AB 12%' OR tax_id LIKE '%56 C%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_verifications WHERE tax_id LIKE 'enc1:%' AND tax_id_last4 = '456C'")
            .await,
        1
    );
    let pending: MemberView = detail(&admin, ada).await.unwrap();
    assert_eq!(pending.verification.tax_id_masked, "•••• 456C");
    let (status, error) = error_of(review("reject", "").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("note"), "{}", error.message);
    assert_eq!(
        review("reject", "The tax ID is unreadable").await.status(),
        StatusCode::OK
    );
    let view: MemberView = detail(&admin, ada).await.unwrap();
    assert_eq!(view.verification.status, VerificationStatus::Rejected);
    assert_eq!(
        view.verification.review_note.as_deref(),
        Some("The tax ID is unreadable")
    );

    // An audited reveal of one method's details; admins never edit them.
    let reveal = |member: i64, method: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/api/admin/members/reveal",
                    &[
                        ("member_id", member.to_string().as_str()),
                        ("method", method),
                    ],
                )
                .await
        }
    };
    let shown: app::payouts::RevealedDetails = reveal(ada, "bank").await.json().await.unwrap();
    assert!(
        shown
            .fields
            .contains(&("IBAN".to_owned(), "DE89370400440532013000".to_owned())),
        "{shown:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_revealed'")
            .await,
        1
    );
    let (status, _) = error_of(reveal(ada, "pigeon").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = error_of(reveal(admin_id, "paypal").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an admin is not a member");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_revealed'")
            .await,
        1,
        "refused reveals record nothing"
    );

    // Members reach none of it.
    let member = app.new_browser();
    member.log_in("bob@example.com", "member passphrase").await;
    assert_eq!(member.call(list("")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(detail(&member, ada).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        adjust(&member, ada, "credit", "5", &crate::ledger_fixture::key())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let response = member
        .post_form(
            "/api/admin/members/reveal",
            &[("member_id", ada.to_string().as_str()), ("method", "bank")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// A review is of the submission the admin saw: a member cannot swap the
/// details under review, and a review of details since replaced is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_is_bound_to_the_submission_the_admin_saw() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    let ada = user_id(&app, "ada@example.com").await;
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    let submit = |address: &'static str| {
        let member = &member;
        async move {
            member
                .post_form(
                    "/api/verification/submit",
                    &[
                        ("first_name", "Ada"),
                        ("last_name", "Lovelace"),
                        ("tax_id", "AB 12 34 56 C"),
                        ("mobile", "+44 7700 900123"),
                        ("country", "GB"),
                        ("address", address),
                    ],
                )
                .await
        }
    };
    let review = |decision: &'static str, note: &'static str, submission: String| {
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/api/admin/members/review",
                    &[
                        ("member_id", ada.to_string().as_str()),
                        ("decision", decision),
                        ("note", note),
                        ("submission", submission.as_str()),
                    ],
                )
                .await
        }
    };
    let seen = || {
        let admin = &admin;
        async move {
            let view: MemberView = detail(admin, ada).await.unwrap();
            view.verification.submission.unwrap()
        }
    };
    assert_eq!(
        submit("12 St James's Square").await.status(),
        StatusCode::OK
    );
    // Under review: the member cannot replace it.
    let (status, error) = error_of(submit("1 Somewhere Else").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error.message.contains("being reviewed"),
        "{}",
        error.message
    );

    let first = seen().await;
    assert_eq!(
        review("reject", "Unreadable", first.clone()).await.status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::seconds(5));
    assert_eq!(submit("1 Somewhere Else").await.status(), StatusCode::OK);
    // A second admin's tab still shows the first submission: its approval
    // would verify details nobody looked at.
    let (status, error) = error_of(review("approve", "", first).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.message.contains("reload"), "{}", error.message);
    let (status, _) = error_of(review("approve", "", String::new()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let view: MemberView = detail(&admin, ada).await.unwrap();
    assert_eq!(view.verification.status, VerificationStatus::Submitted);
    assert_eq!(view.verification.address, "1 Somewhere Else");
    // Reviewing what is shown now works.
    let current = seen().await;
    assert_eq!(
        review("approve", "", current).await.status(),
        StatusCode::OK
    );
}
