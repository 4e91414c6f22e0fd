//! An administrator makes a withdrawal request for a member, over HTTP:
//! the member's own rules and ledger effects, recorded as made by the
//! admin, with the note the member sees; refusals change nothing.

use crate::helpers::{error_of, spawn_app, Browser, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, key, request};
use app::entities::{audit_event, withdrawal_event, withdrawal_request};
use app::withdrawals::{service as withdrawals, WithdrawalView};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

async fn request_for(
    admin: &Browser,
    member: i64,
    wallet: i64,
    fields: &[(&str, &str)],
    key: &str,
) -> reqwest::Response {
    let (member, wallet) = (member.to_string(), wallet.to_string());
    let mut form = vec![
        ("member_id", member.as_str()),
        ("wallet_id", wallet.as_str()),
        ("idempotency_key", key),
    ];
    form.extend_from_slice(fields);
    admin.post_form("/api/admin/members/request", &form).await
}

async fn request_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM withdrawal_requests").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_requests_for_a_member_under_the_members_rules() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let admin = admin_browser(&app).await;
    let member = ada.actor.user_id;

    let key = key();
    let made = request_for(
        &admin,
        member,
        wallet.id,
        &[
            ("method", "paypal"),
            ("amount", "40.00"),
            ("note", "Your quarterly commission"),
        ],
        &key,
    )
    .await;
    assert_eq!(made.status(), StatusCode::OK);
    let view: WithdrawalView = made.json().await.unwrap();
    assert!(view.on_behalf);
    assert_eq!(view.gross_minor, 4_000);
    assert_eq!(view.note.as_deref(), Some("Your quarterly commission"));
    assert_eq!(
        balance(&app, wallet.id).await,
        6_000,
        "held like the member's own"
    );

    // Recorded as made by the admin: the row, the timeline and the audit.
    let row = withdrawal_request::Entity::find_by_id(view.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.created_by_user_id, Some(desk.admin.user_id));
    assert_eq!(row.member_user_id, member);
    let event = withdrawal_event::Entity::find()
        .filter(withdrawal_event::Column::RequestId.eq(view.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.actor_user_id, Some(desk.admin.user_id));
    let audit = audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq(format!("withdrawal:{}", view.id)))
        .order_by_desc(audit_event::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.actor_user_id, Some(desk.admin.user_id));
    assert!(
        audit
            .detail
            .as_deref()
            .is_some_and(|d| d.contains(&format!("on behalf of user:{member}"))),
        "{:?}",
        audit.detail
    );

    // The member sees it in their history, marked as made for them.
    let theirs = withdrawals::find(&app.state.db, view.id).await.unwrap();
    assert!(theirs.on_behalf);

    // The same key again: the same request, nothing more held.
    let again = request_for(
        &admin,
        member,
        wallet.id,
        &[
            ("method", "paypal"),
            ("amount", "40.00"),
            ("note", "Your quarterly commission"),
        ],
        &key,
    )
    .await;
    let replayed: WithdrawalView = again.json().await.unwrap();
    assert_eq!(replayed.id, view.id);
    assert_eq!(request_count(&app).await, 1);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_members_rules_refuse_with_reasons_and_change_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let bob = desk.member(&app, "bob").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 5_000).await;
    let bob_wallet = desk.credit(&app, &bob, &desk.usd, 5_000).await;
    let admin = admin_browser(&app).await;
    let member = ada.actor.user_id;
    // The desk's rule: one open request per member.
    app::platform::settings_store::put_setting(
        &app.state.db,
        app::withdrawals::rules::ONE_OPEN_REQUEST,
        "true",
    )
    .await
    .unwrap();

    let refused = |fields: Vec<(&'static str, &'static str)>, wallet_id: i64| {
        let admin = &admin;
        async move {
            let response = request_for(admin, member, wallet_id, &fields, &key()).await;
            error_of(response).await
        }
    };
    let (status, error) = refused(vec![("method", "paypal"), ("amount", "80.00")], wallet.id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error.message,
        "Insufficient funds: the wallet's available balance is 50.00 USD"
    );
    let (status, error) = refused(vec![("method", "paypal")], wallet.id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.message, "Enter an amount, or choose the maximum");
    let (status, error) = refused(vec![("method", "paypal"), ("amount", "-5")], wallet.id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error.message);
    let (status, error) = refused(vec![("method", "cheque"), ("amount", "5")], wallet.id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("cheque"), "{}", error.message);
    // Another member's wallet is not this member's.
    let (status, _) = refused(vec![("method", "paypal"), ("amount", "5")], bob_wallet.id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(request_count(&app).await, 0);
    assert_eq!(balance(&app, wallet.id).await, 5_000);

    // "Max" takes what is available; then the member has an open request.
    let max = request_for(
        &admin,
        member,
        wallet.id,
        &[("method", "bank"), ("max", "on")],
        &key(),
    )
    .await;
    assert_eq!(max.status(), StatusCode::OK);
    let view: WithdrawalView = max.json().await.unwrap();
    assert_eq!(view.gross_minor, 5_000);
    desk.credit(&app, &ada, &desk.usd, 5_000).await;
    let (status, error) = refused(vec![("method", "paypal"), ("amount", "5")], wallet.id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("open withdrawal request"),
        "{}",
        error.message
    );
    // And the member's own request is refused the same way.
    let own = request(&app, &ada, wallet.id, "paypal", "5", &key()).await;
    assert!(own.is_err());
    assert_eq!(request_count(&app).await, 1);

    // Not an admin: refused.
    let stranger = app.new_browser();
    let user = crate::helpers::TestUser::generate();
    stranger.sign_up(&user).await;
    let response = request_for(
        &stranger,
        member,
        wallet.id,
        &[("method", "paypal"), ("amount", "5")],
        &key(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Not a member: not found.
    let response = request_for(
        &admin,
        desk.admin.user_id,
        wallet.id,
        &[("method", "paypal"), ("amount", "5")],
        &key(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(request_count(&app).await, 1);
    assert_ledger_clean(&app).await;
}
