//! Email through a real SMTP server: the mail catcher, started by each test
//! on a free port. Delivery passes are run by the test (`deliver_due`) where
//! it counts what a pass did; the app's own worker where it proves that
//! delivery happens by itself.

use crate::client::Answered;
use crate::helpers::{error_of, spawn_app, spawn_app_with, TestApp};
use crate::ledger_fixture::{act, desk, key, request, Desk, Member};
use app::email::api::{ListEmails, RetryEmail, SetDigest};
use app::email::{mailer::Mailer, worker, DeliveryState, EmailList, EmailQuery};
use app::entities::outbox_message;
use app::platform::{state::MailSettings, Settings};
use app::withdrawals::{
    service::{change_status, EventDetails},
    WithdrawalAction as A,
};
use paydesk_server::mail_catcher::{Caught, MailCatcher};
use reqwest::StatusCode;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::time::Duration;

/// The outbox page, filtered to a delivery state ("" for all).
fn emails(state: &str) -> ListEmails {
    ListEmails {
        query: EmailQuery {
            state: state.into(),
            page: 1,
        },
    }
}

async fn catcher() -> MailCatcher {
    MailCatcher::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn mail_to(catcher: &MailCatcher) -> MailSettings {
    MailSettings {
        smtp_url: Some(catcher.smtp_url()),
        public_url: "https://pay.example.test".into(),
        smtp_timeout: Duration::from_secs(5),
        ..MailSettings::default()
    }
}

async fn pass(app: &TestApp, mail: &MailSettings) -> worker::Pass {
    let mailer = Mailer::from_settings(mail).unwrap().unwrap();
    worker::deliver_due(&app.state.db, &app.clock, mail, &mailer)
        .await
        .unwrap()
}

async fn outbox(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

fn only<'a>(messages: &'a [Caught], subject_part: &str) -> &'a Caught {
    let found: Vec<&Caught> = messages
        .iter()
        .filter(|m| m.subject.contains(subject_part))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {subject_part:?} in {:#?}",
        subjects(messages)
    );
    found[0]
}

fn subjects(messages: &[Caught]) -> Vec<String> {
    messages.iter().map(|m| m.subject.clone()).collect()
}

async fn member_with_money(app: &TestApp, desk: &Desk, name: &str) -> (Member, i64) {
    let member = desk.member(app, name).await;
    let wallet = desk.credit(app, &member, &desk.usd, 100_000).await.id;
    (member, wallet)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_email_goes_out_once_with_its_facts() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    let (ada, wallet) = member_with_money(&app, &desk, "ada").await;

    // Paid: requested, approved, processing (no email), paid with a receipt.
    let paid = request(&app, &ada, wallet, "paypal", "25", &key())
        .await
        .unwrap();
    act(&app, desk.admin, paid.id, A::Approve, &key())
        .await
        .unwrap();
    act(&app, desk.admin, paid.id, A::MarkProcessing, &key())
        .await
        .unwrap();
    change_status(
        &app.state.db,
        &app.clock,
        desk.admin,
        paid.id,
        A::MarkPaid,
        EventDetails {
            note: Some("Thanks for the deals".into()),
            external_reference: Some("RCPT-8841".into()),
            payment_date: Some("2026-03-02".into()),
            ..EventDetails::default()
        },
        &key(),
    )
    .await
    .unwrap();
    // Rejected with a note; and one the member cancels (no email for that).
    let rejected = request(&app, &ada, wallet, "bank", "10", &key())
        .await
        .unwrap();
    change_status(
        &app.state.db,
        &app.clock,
        desk.admin,
        rejected.id,
        A::Reject,
        EventDetails {
            note: Some("Bank details do not match".into()),
            ..Default::default()
        },
        &key(),
    )
    .await
    .unwrap();
    let canceled = request(&app, &ada, wallet, "bank", "5", &key())
        .await
        .unwrap();
    act(&app, ada.actor, canceled.id, A::Cancel, &key())
        .await
        .unwrap();
    // Canceled by an admin, failed, and the paid one returned: each says why
    // and that the money is back.
    let admin_acts = |id: i64, action: A, note: &'static str| {
        let app = &app;
        let desk = &desk;
        async move {
            change_status(
                &app.state.db,
                &app.clock,
                desk.admin,
                id,
                action,
                EventDetails {
                    note: Some(note.to_owned()),
                    ..Default::default()
                },
                &key(),
            )
            .await
            .unwrap();
        }
    };
    let by_admin = request(&app, &ada, wallet, "bank", "6", &key())
        .await
        .unwrap();
    admin_acts(by_admin.id, A::Cancel, "Duplicate request").await;
    let failed = request(&app, &ada, wallet, "bank", "7", &key())
        .await
        .unwrap();
    act(&app, desk.admin, failed.id, A::Approve, &key())
        .await
        .unwrap();
    act(&app, desk.admin, failed.id, A::MarkProcessing, &key())
        .await
        .unwrap();
    admin_acts(failed.id, A::MarkFailed, "The bank refused the transfer").await;
    admin_acts(paid.id, A::MarkReturned, "Account closed").await;

    let done = pass(&app, &mail).await;
    assert_eq!(done.sent, 12, "{done:?}");
    assert_eq!((done.retrying, done.dead), (0, 0));
    let messages = catcher.messages();
    assert_eq!(messages.len(), 12, "{:#?}", subjects(&messages));
    for m in &messages {
        assert_eq!(m.envelope_to, vec!["ada@example.com".to_owned()]);
        assert!(m.from.contains("paydesk@localhost"), "{}", m.from);
        assert!(!m.text.is_empty() && !m.html.is_empty(), "{}", m.subject);
    }
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.subject.contains("We received your withdrawal request"))
            .count(),
        5
    );
    for (subject, reason) in [
        ("was canceled", "Duplicate request"),
        (
            "not paid: the payment failed",
            "The bank refused the transfer",
        ),
        ("returned: the payment came back", "Account closed"),
    ] {
        let m = only(&messages, subject);
        assert!(m.text.contains(reason), "{reason} in {}", m.text);
        assert!(m.text.contains("is back in your wallet"), "{}", m.text);
    }
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.subject.contains(&format!("request #{}", canceled.id)))
            .count(),
        1,
        "a member's own cancellation sends nothing"
    );
    let approved = only(&messages, &format!("#{} is approved", paid.id));
    assert!(approved.text.contains("25.00 USD"), "{}", approved.text);
    let paid_mail = only(&messages, "Paid:");
    assert!(paid_mail.subject.contains(&format!("request #{}", paid.id)));
    for fact in ["RCPT-8841", "2026-03-02", "Thanks for the deals", "PayPal"] {
        assert!(
            paid_mail.text.contains(fact),
            "{fact} in {}",
            paid_mail.text
        );
        assert!(
            paid_mail.html.contains(fact),
            "{fact} in {}",
            paid_mail.html
        );
    }
    // The PayPal address is masked, as on the member's screens.
    assert!(
        !paid_mail.text.contains("ada@example.com to"),
        "{}",
        paid_mail.text
    );
    let rejected_mail = only(&messages, "was rejected");
    assert!(rejected_mail.text.contains("Bank details do not match"));
    assert!(rejected_mail.text.contains("back in your wallet"));
    assert!(rejected_mail
        .text
        .contains("https://pay.example.test/account/withdrawals"));

    // Each outbox row went once, with a Message-ID of its own.
    let rows = outbox(&app).await;
    let ids: std::collections::BTreeSet<String> =
        messages.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 12);
    for row in rows.iter().filter(|r| r.sent_at.is_some()) {
        assert!(
            ids.contains(&format!("<outbox.{}@localhost>", row.id)),
            "{}",
            row.id
        );
        assert_eq!(row.attempts, 1);
    }
    // A second pass sends nothing again.
    assert_eq!(pass(&app, &mail).await, worker::Pass::default());
    assert_eq!(catcher.messages().len(), 12);
}

/// The member sends their identity details; an admin reviews them.
async fn submit_and_review(
    app: &TestApp,
    desk: &Desk,
    member: &Member,
    approve: bool,
    note: Option<&str>,
) {
    app::verification::service::submit(
        &app.state.db,
        &app.clock,
        &app.state.settings.secret_key,
        member.actor.user_id,
        &app::verification::VerificationInput {
            first_name: "Eve".into(),
            last_name: "Example".into(),
            tax_id: "AB 12 34 56 C".into(),
            mobile: "+44 7700 900123".into(),
            country: "GB".into(),
            address: "12 St James's Square, London".into(),
        },
        None,
    )
    .await
    .unwrap();
    app::verification::service::review(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        member.actor.user_id,
        approve,
        note,
        &app::verification::service::get(&app.state.db, member.actor.user_id)
            .await
            .unwrap()
            .submission
            .unwrap_or_default(),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incentive_and_verification_emails_with_an_escaped_name() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    let member = desk.member(&app, "eve").await;
    // A display name that would be markup if it were not escaped.
    app::entities::user::Entity::update_many()
        .col_expr(
            app::entities::user::Column::DisplayName,
            Expr::value("<script>alert(1)</script>"),
        )
        .filter(app::entities::user::Column::Id.eq(member.actor.user_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    submit_and_review(&app, &desk, &member, false, Some("The photo is blurry")).await;

    // Sent again, then verified.
    submit_and_review(&app, &desk, &member, true, None).await;
    // Two incentives paid in one Make Payment: one email with the total.
    let ids = crate::ledger_fixture::pending_incentives(&app, &desk, "eve", &[1250, 500]).await;
    crate::ledger_fixture::decide_incentives(
        &app,
        &desk,
        &ids,
        app::incentives::IncentiveAction::Approve,
        "",
    )
    .await;
    let budget = crate::ledger_fixture::funding_wallet(&app, &desk, "Budget", 100_000).await;
    app::incentives::service::make_payment(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        &app::incentives::service::PaymentInput {
            ids,
            funding_wallet_id: budget.id,
            description: "March SPIFFs".into(),
            idempotency_key: key(),
        },
        None,
    )
    .await
    .unwrap();

    let done = pass(&app, &mail).await;
    assert_eq!(done.sent, 3, "{done:?}");
    let messages = catcher.messages();
    for m in &messages {
        assert_eq!(m.envelope_to, vec!["eve@example.com".to_owned()]);
    }
    only(&messages, "Your identity is verified");
    let earned = only(&messages, "You earned 17.50 USD");
    assert!(earned.text.contains("for 2 incentives"), "{}", earned.text);
    assert!(earned.text.contains("https://pay.example.test/account"));
    let m = only(&messages, "could not verify");
    assert!(m.text.contains("The photo is blurry"));
    assert!(m.text.contains("<script>alert(1)</script>"), "{}", m.text);
    assert!(
        m.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        m.html
    );
    assert!(!m.html.contains("<script>"), "{}", m.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_smtp_server_is_retried_with_backoff_then_given_up_and_retried_by_an_admin() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = MailSettings {
        max_attempts: 3,
        ..mail_to(&catcher)
    };
    let (ada, wallet) = member_with_money(&app, &desk, "ada").await;
    request(&app, &ada, wallet, "paypal", "25", &key())
        .await
        .unwrap();

    catcher.set_down(true);
    let done = pass(&app, &mail).await;
    assert_eq!((done.sent, done.retrying), (0, 1), "{done:?}");
    let row = outbox(&app).await.remove(0);
    assert_eq!(row.attempts, 1);
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{:?}",
        row.last_error
    );
    assert_eq!(
        row.next_attempt_at,
        Some(app.clock.now() + chrono::Duration::seconds(30))
    );
    // Not due yet: nothing is tried.
    assert_eq!(pass(&app, &mail).await, worker::Pass::default());

    // It comes back: the next attempt, once due, delivers.
    catcher.set_down(false);
    app.clock.advance(chrono::Duration::seconds(31));
    let done = pass(&app, &mail).await;
    assert_eq!(done.sent, 1, "{done:?}");
    assert_eq!(catcher.messages().len(), 1);
    let row = outbox(&app).await.remove(0);
    assert_eq!((row.attempts, row.last_error), (2, None));

    // Down for good: 30 s, then 60 s, then given up after 3 attempts.
    let second = request(&app, &ada, wallet, "paypal", "5", &key())
        .await
        .unwrap();
    catcher.set_down(true);
    assert_eq!(pass(&app, &mail).await.retrying, 1);
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(pass(&app, &mail).await.retrying, 1);
    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(pass(&app, &mail).await.dead, 1);
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(pass(&app, &mail).await, worker::Pass::default());

    // The admin sees it given up, and retries it.
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let list: EmailList = admin.ok(emails("dead")).await;
    assert_eq!(list.rows.len(), 1);
    assert_eq!(list.rows[0].state, DeliveryState::Dead);
    assert_eq!(list.rows[0].attempts, 3);
    assert!(
        !list.smtp_configured,
        "this app has no SMTP server of its own"
    );
    let dead_id = list.rows[0].id;
    admin.ok(RetryEmail { id: dead_id }).await;
    catcher.set_down(false);
    assert_eq!(pass(&app, &mail).await.sent, 1);
    let messages = catcher.messages();
    assert_eq!(messages.len(), 2);
    assert!(messages[1].subject.contains(&format!("#{}", second.id)));
    // A sent one cannot be retried; a member cannot reach the page.
    assert_eq!(
        admin.call(RetryEmail { id: dead_id }).await.status(),
        StatusCode::CONFLICT
    );
    let visitor = app.new_browser();
    assert_eq!(
        visitor.call(emails("")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_sending_or_before_recording_still_delivers() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    let (ada, wallet) = member_with_money(&app, &desk, "ada").await;

    // Committed with its change while no worker ran (the app had crashed):
    // an instance started afterwards, with SMTP, delivers it by itself.
    request(&app, &ada, wallet, "paypal", "25", &key())
        .await
        .unwrap();
    let settings = Settings {
        mail: mail.clone(),
        ..Settings::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let instance = app
        .instance_with(settings, async {
            let _ = stopped.await;
        })
        .await;
    let arrived = catcher.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(arrived.len(), 1);
    let _ = stop.send(());
    instance.served.await.unwrap().unwrap();

    // A worker that crashed holding a message (its lease in the row): the
    // message waits for the lease, then goes.
    request(&app, &ada, wallet, "paypal", "5", &key())
        .await
        .unwrap();
    let held = outbox(&app).await.pop().unwrap();
    let until = app.clock.now() + chrono::Duration::minutes(5);
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LockedUntil, Expr::value(until))
        .filter(outbox_message::Column::Id.eq(held.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pass(&app, &mail).await, worker::Pass::default());
    app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(pass(&app, &mail).await.sent, 1);

    // Sent, then the crash came before it was recorded: it goes again, with
    // the same Message-ID, so the duplicate is recognisable.
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::SentAt,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        )
        .filter(outbox_message::Column::Id.eq(held.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pass(&app, &mail).await.sent, 1);
    let messages = catcher.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1].message_id, messages[2].message_id);
    assert_eq!(
        messages[2].message_id,
        format!("<outbox.{}@localhost>", held.id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_deliver_each_message_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    for i in 0..15 {
        let (member, wallet) = member_with_money(&app, &desk, &format!("m{i}")).await;
        request(&app, &member, wallet, "paypal", "10", &key())
            .await
            .unwrap();
    }
    let expected = outbox(&app).await.len();
    assert_eq!(expected, 15);
    let (a, b) = tokio::join!(pass(&app, &mail), pass(&app, &mail));
    assert_eq!(a.sent + b.sent, expected, "{a:?} {b:?}");
    let messages = catcher.messages();
    let ids: std::collections::BTreeSet<String> =
        messages.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!((messages.len(), ids.len()), (expected, expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_emails_wait_and_the_admin_is_told_why() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let (ada, wallet) = member_with_money(&app, &desk, "ada").await;
    request(&app, &ada, wallet, "paypal", "25", &key())
        .await
        .unwrap();
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    let list: EmailList = admin.ok(emails("waiting")).await;
    assert!(!list.smtp_configured);
    assert_eq!((list.waiting, list.rows.len()), (1, 1));
    assert_eq!(list.rows[0].recipient, "ada@example.com");
    assert_eq!(list.rows[0].kind, "withdrawal.requested");
    let (status, error) = admin.call(emails("lost")).await.refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("Unknown email state"));
}

/// The link in a reset email, from its text.
fn link_in(message: &Caught) -> String {
    message
        .text
        .split_whitespace()
        .find(|word| word.contains("/reset-password?token="))
        .expect("a link")
        .to_owned()
}

fn token_of(link: &str) -> String {
    link.split_once("token=").unwrap().1.to_owned()
}

/// Posts the reset-password form.
async fn set_password(
    browser: &crate::helpers::Browser,
    token: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    browser
        .post_form(
            "/api/auth/reset-password",
            &[
                ("token", token),
                ("password", password),
                ("confirm", confirm),
            ],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_link_works_once_ends_sessions_and_expires() {
    let catcher = catcher().await;
    let app = spawn_app_with(
        Settings {
            mail: MailSettings {
                poll_every: Duration::from_millis(50),
                ..mail_to(&catcher)
            },
            ..Settings::default()
        },
        false,
    )
    .await;
    let desk = desk(&app).await;
    desk.member(&app, "ada").await;
    let signed_in = app.new_browser();
    signed_in
        .log_in("ada@example.com", "member passphrase")
        .await;
    assert!(signed_in.me().await.is_some());

    // Same answer for an account and for no account; one email in all.
    let visitor = app.new_browser();
    let ask = |email: &'static str| {
        let visitor = &visitor;
        async move {
            let response = visitor
                .post_form("/api/auth/forgot-password", &[("email", email)])
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.text().await.unwrap()
        }
    };
    let known = ask("Ada@Example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(known, unknown);
    assert!(known.contains("If an account uses this address"), "{known}");
    let messages = catcher.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), 1);
    let reset = &messages[0];
    assert_eq!(reset.envelope_to, vec!["ada@example.com".to_owned()]);
    assert!(reset.subject.contains("Reset your Paydesk password"));
    let link = link_in(reset);
    assert!(
        link.starts_with("https://pay.example.test/reset-password?token="),
        "{link}"
    );
    let token = token_of(&link);
    // Asking again at once sends nothing more (no mailbox flooding).
    ask("ada@example.com").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM password_links").await, 1);

    // A weak or mismatched password changes nothing; the link still works.
    for (password, confirm, says) in [
        ("short", "short", "at least 8"),
        ("a long new passphrase", "another passphrase", "differ"),
    ] {
        let (status, error) =
            error_of(set_password(&visitor, &token, password, confirm).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error.message.contains(says), "{}", error.message);
    }
    let response = set_password(
        &visitor,
        &token,
        "a long new passphrase",
        "a long new passphrase",
    )
    .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    // The old session is over; the old password no longer works; the new does.
    assert!(signed_in.me().await.is_none());
    let old = app.new_browser();
    old.log_in("ada@example.com", "member passphrase").await;
    assert!(old.me().await.is_none());
    let new = app.new_browser();
    new.log_in("ada@example.com", "a long new passphrase").await;
    assert_eq!(new.me().await.unwrap().email, "ada@example.com");

    // Used once: refused the second time.
    let (status, error) = error_of(
        set_password(
            &visitor,
            &token,
            "yet another passphrase",
            "yet another passphrase",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("invalid, already used or expired"));

    // A new link, left for more than an hour, has expired.
    app.clock.advance(chrono::Duration::minutes(5));
    ask("ada@example.com").await;
    let messages = catcher.wait_for(2, Duration::from_secs(20)).await;
    let token = token_of(&link_in(&messages[1]));
    app.clock.advance(chrono::Duration::minutes(61));
    let (status, _) = error_of(
        set_password(
            &visitor,
            &token,
            "yet another passphrase",
            "yet another passphrase",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Bad input: an address that is not one.
    let response = visitor
        .post_form("/api/auth/forgot-password", &[("email", "not an email")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_member_claims_the_account_through_the_email() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
    app::auth::service::invite_member(
        &txn,
        app.clock.now(),
        "newbie@example.com",
        "Newbie",
        "test",
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let _ = desk;
    assert_eq!(pass(&app, &mail).await.sent, 1);
    let messages = catcher.messages();
    let invite = only(&messages, "account is waiting");
    let token = token_of(&link_in(invite));
    // The database keeps the token's hash only: the delivered row lost it.
    let row = outbox(&app).await.pop().unwrap();
    assert!(row.sent_at.is_some());
    assert!(!row.payload.contains(&token), "{}", row.payload);
    let visitor = app.new_browser();
    let response = set_password(&visitor, &token, "my own passphrase", "my own passphrase").await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let member = app.new_browser();
    member
        .log_in("newbie@example.com", "my own passphrase")
        .await;
    assert_eq!(member.me().await.unwrap().email, "newbie@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admins_daily_digest_is_off_by_default_then_sent_once_a_day() {
    use app::email::digest::write_if_due;
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let catcher = catcher().await;
    let mail = mail_to(&catcher);
    let (ada, wallet) = member_with_money(&app, &desk, "ada").await;
    request(&app, &ada, wallet, "paypal", "25", &key())
        .await
        .unwrap();
    request(&app, &ada, wallet, "bank", "5", &key())
        .await
        .unwrap();
    let db = &app.state.db;
    assert_eq!(write_if_due(db, app.clock.now()).await.unwrap(), 0);

    // An admin switches it on; a member cannot.
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    assert_eq!(
        member.call(SetDigest { on: true }).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = crate::ledger_fixture::admin_browser(&app).await;
    admin.ok(SetDigest { on: true }).await;
    let list: EmailList = admin.ok(emails("")).await;
    assert!(list.digest);

    // Two instances asking at once write it once (one admin: one email).
    let now = app.clock.now();
    let (a, b) = tokio::join!(write_if_due(db, now), write_if_due(db, now));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(write_if_due(db, now).await.unwrap(), 0);
    pass(&app, &mail).await;
    let to_boss = catcher.messages_to("boss@example.com");
    assert_eq!(to_boss.len(), 1);
    assert_eq!(
        to_boss[0].subject,
        "Paydesk: 2 withdrawal requests are waiting"
    );
    assert!(to_boss[0]
        .text
        .contains("https://pay.example.test/admin/payouts?status=requested"));

    // Not again the same day; again a day later.
    app.clock.advance(chrono::Duration::hours(23));
    assert_eq!(write_if_due(db, app.clock.now()).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(write_if_due(db, app.clock.now()).await.unwrap(), 1);
}
