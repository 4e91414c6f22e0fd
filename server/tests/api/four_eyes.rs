//! Four-eyes over HTTP: above a currency's approval limit a money move waits
//! for a second admin, below it one admin suffices. The initiator (in any
//! session) and the admin who made a request on the member's behalf cannot
//! approve; two approvers at once approve once; an approval pays exactly what
//! was approved, and anything changed since voids it.

use crate::client::{payment_file, Answered};
use crate::helpers::{spawn_app, TestAdmin, TestApp, TestUser};
use crate::ledger_fixture::{
    admin_browser, assert_ledger_clean, balance, decide_incentives, desk, funding_wallet, key,
    pending_incentives, some_requests, Desk,
};
use app::approvals::api::{ApprovalsPage, ApprovalsWaiting, ApproveHeld, DeclineHeld};
use app::auth::TeamRole;
use app::funding::api::RecordDeposit;
use app::incentives::api::PayIncentives;
use app::incentives::IncentiveAction;
use app::ledger::held::Moved;
use app::ledger::money::Direction;
use app::members::api::{AdjustMemberBalance, RequestForMember};
use app::payouts::api::{ActOnPayout, PayoutProcessView};
use app::settings::api::SaveApprovalLimit;
use app::withdrawals::{WithdrawalAction as A, WithdrawalStatus};
use reqwest::StatusCode;

fn act_as(request_id: i64, action: A) -> ActOnPayout {
    ActOnPayout {
        request_id,
        action,
        note: Some("Paid by bank transfer".into()),
        external_reference: Some("TX-77".into()),
        payment_date: None,
        idempotency_key: key(),
    }
}

fn approve(approval_id: i64) -> ApproveHeld {
    ApproveHeld {
        approval_id,
        note: "Checked the invoice".into(),
    }
}

async fn limit(owner: &crate::helpers::Browser, asset: &str, amount: &str) {
    owner
        .ok(SaveApprovalLimit {
            asset: asset.into(),
            amount: amount.into(),
        })
        .await;
}

/// The desk with a 40.00 USD approval limit, a payments manager and a
/// reviewer, and Bob's 50.00 USD bank request taken to processing by the
/// payments manager (its id).
struct Scene {
    desk: Desk,
    requests: Vec<i64>,
    owner: crate::helpers::Browser,
    manager: TestAdmin,
    /// The manager's sign-in, for a second session.
    manager_user: TestUser,
    reviewer: TestAdmin,
}

async fn scene(app: &TestApp) -> Scene {
    let desk = desk(app).await;
    let requests = some_requests(app, &desk).await;
    let owner = admin_browser(app).await;
    limit(&owner, "USD", "40.00").await;
    let manager_user = TestUser::generate();
    let view = app
        .create_team_member(&manager_user, TeamRole::PaymentsManager)
        .await;
    let browser = app.new_browser();
    browser
        .log_in(&manager_user.email, &manager_user.password)
        .await;
    let manager = TestAdmin { view, browser };
    let reviewer = app.signed_in_team_member(TeamRole::Reviewer).await;
    Scene {
        desk,
        requests,
        owner,
        manager,
        manager_user,
        reviewer,
    }
}

async fn to_processing(manager: &TestAdmin, id: i64) {
    manager.ok(act_as(id, A::Approve)).await;
    manager.ok(act_as(id, A::MarkProcessing)).await;
}

async fn status_of(app: &TestApp, id: i64) -> String {
    use app::entities::withdrawal_request;
    use sea_orm::EntityTrait;
    withdrawal_request::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn approval_status(app: &TestApp, id: i64) -> String {
    use app::entities::second_approval;
    use sea_orm::EntityTrait;
    second_approval::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn above_the_limit_marking_paid_waits_for_a_second_admin() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let (small, big) = (s.requests[2], s.requests[3]); // Bob: 20.00 and 50.00 USD
    to_processing(&s.manager, small).await;
    to_processing(&s.manager, big).await;

    // 20.00 is under the limit: one admin marks it paid.
    let paid = s.manager.ok(act_as(small, A::MarkPaid)).await;
    assert_eq!((paid.status, paid.held), (WithdrawalStatus::Paid, None));

    // 50.00 is above it: held, nothing moves.
    let settled_before = app
        .count("SELECT COUNT(*) FROM journal_entries WHERE kind = 'withdrawal_settle'")
        .await;
    let answer = s.manager.ok(act_as(big, A::MarkPaid)).await;
    assert_eq!(answer.status, WithdrawalStatus::Processing);
    let held = answer.held.expect("held for a second approval");
    assert!(held.message.contains("40.00 USD"), "{}", held.message);
    assert_eq!(status_of(&app, big).await, "processing");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM journal_entries WHERE kind = 'withdrawal_settle'")
            .await,
        settled_before
    );
    assert_eq!(s.reviewer.ok(ApprovalsWaiting {}).await, 1);
    let view = s.manager.ok(PayoutProcessView { request_id: big }).await;
    assert!(
        view.second_approval
            .as_deref()
            .is_some_and(|t| t.starts_with("Awaiting second approval")),
        "{:?}",
        view.second_approval
    );
    // Asking again (a double click, a second tab) finds the same ask.
    let again = s.manager.ok(act_as(big, A::MarkPaid)).await;
    assert_eq!(again.held.map(|h| h.approval_id), Some(held.approval_id));

    // The queue shows who asked, what and why; the manager may not decide.
    let queue = s.manager.ok(ApprovalsPage {}).await;
    let waiting = &queue.waiting[0];
    assert_eq!(waiting.id, held.approval_id);
    assert_eq!(waiting.kind, "Mark paid");
    assert_eq!(waiting.amount.minor, 5_000);
    assert_eq!(waiting.requested_by, s.manager.view.display_name);
    assert_eq!(waiting.note.as_deref(), Some("Paid by bank transfer"));
    assert!(waiting.summary.contains("bob"), "{}", waiting.summary);
    assert!(waiting.cannot_decide.is_some() && waiting.own);
    let theirs = s.reviewer.ok(ApprovalsPage {}).await;
    assert_eq!(theirs.waiting[0].cannot_decide, None);

    // The initiator cannot approve it, not even from a second session.
    let (status, error) = s.manager.call(approve(held.approval_id)).await.refusal();
    assert_eq!(status, StatusCode::FORBIDDEN, "{}", error.message);
    let second_session = app.new_browser();
    second_session
        .log_in(&s.manager_user.email, &s.manager_user.password)
        .await;
    assert!(second_session.me().await.is_some(), "a second session");
    let (status, _) = second_session
        .call(approve(held.approval_id))
        .await
        .refusal();
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A viewer has no second approval to give.
    let viewer = app.signed_in_team_member(TeamRole::Viewer).await;
    let (status, _) = viewer.call(approve(held.approval_id)).await.refusal();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, big).await, "processing");

    // The reviewer approves: it is carried out at once, as the manager's
    // action with the manager's reference, and names both.
    let decided = s.reviewer.ok(approve(held.approval_id)).await;
    assert!(
        decided.message.contains("marked paid"),
        "{}",
        decided.message
    );
    assert_eq!(decided.approval.status, "done");
    assert_eq!(status_of(&app, big).await, "paid");
    let view = s.owner.ok(PayoutProcessView { request_id: big }).await;
    assert_eq!(view.request.external_reference.as_deref(), Some("TX-77"));
    let paid_event = view
        .timeline
        .iter()
        .find(|e| e.to == WithdrawalStatus::Paid)
        .expect("a paid event");
    assert_eq!(paid_event.by, s.manager.view.display_name);
    assert_eq!(
        paid_event.second_approver.as_deref(),
        Some(s.reviewer.view.display_name.as_str())
    );
    assert_eq!(view.second_approval, None);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'second_approval_granted' \
             AND actor_user_id = {}",
            s.reviewer.view.id
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'withdrawal_status_changed' \
             AND detail = 'processing -> paid' AND actor_user_id = {}",
            s.manager.view.id
        ))
        .await,
        2
    );

    // Approving again changes nothing and says why.
    let owner_try = s.owner.call(approve(held.approval_id)).await.refusal();
    assert_eq!(owner_try.0, StatusCode::CONFLICT, "{}", owner_try.1.message);
    assert!(owner_try.1.message.contains("approved by"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM journal_entries WHERE reference = 'withdrawal:{big}' \
             AND kind = 'withdrawal_settle'"
        ))
        .await,
        1
    );
    assert_eq!(s.reviewer.ok(ApprovalsWaiting {}).await, 0);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvers_at_once_approve_once() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let big = s.requests[3];
    to_processing(&s.manager, big).await;
    let held = s
        .manager
        .ok(act_as(big, A::MarkPaid))
        .await
        .held
        .expect("held");
    let other_reviewer = app.signed_in_team_member(TeamRole::Reviewer).await;
    let (first, second) = tokio::join!(
        s.reviewer.call(approve(held.approval_id)),
        other_reviewer.call(approve(held.approval_id)),
    );
    let statuses = [first.status(), second.status()];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(status_of(&app, big).await, "paid");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM journal_entries WHERE reference = 'withdrawal:{big}' \
             AND kind = 'withdrawal_settle'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'second_approval_granted'")
            .await,
        1
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_request_voids_its_approval_and_pays_nothing() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let big = s.requests[3];
    to_processing(&s.manager, big).await;
    let held = s
        .manager
        .ok(act_as(big, A::MarkPaid))
        .await
        .held
        .expect("held");
    // The payout details change behind the approval (a hand-edited row).
    {
        use app::entities::withdrawal_request;
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
        withdrawal_request::Entity::update_many()
            .col_expr(
                withdrawal_request::Column::PayoutDetails,
                Expr::value(r#"{"account_number":"999"}"#),
            )
            .filter(withdrawal_request::Column::Id.eq(big))
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let decided = s.reviewer.ok(approve(held.approval_id)).await;
    assert!(
        decided.message.contains("could not be carried out"),
        "{}",
        decided.message
    );
    assert_eq!(decided.approval.status, "void");
    assert_eq!(status_of(&app, big).await, "processing");
    // Asking again makes a new approval bound to the request as it is now.
    let again = s
        .manager
        .ok(act_as(big, A::MarkPaid))
        .await
        .held
        .expect("held again");
    assert_ne!(again.approval_id, held.approval_id);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoever_made_the_request_for_the_member_cannot_approve_paying_it() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    // The owner makes a 60.00 request on Ada's behalf.
    let ada = app
        .count("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await;
    let ada_wallet = app
        .count(&format!(
            "SELECT id FROM wallets WHERE owner_user_id = {ada} AND asset_id = {}",
            s.desk.usd.id
        ))
        .await;
    let made = s
        .owner
        .ok(RequestForMember {
            member_id: ada,
            wallet_id: ada_wallet,
            method: "paypal".into(),
            amount: Some("60".into()),
            max: None,
            note: Some("Asked by phone".into()),
            idempotency_key: key(),
        })
        .await;
    to_processing(&s.manager, made.id).await;
    let held = s
        .manager
        .ok(act_as(made.id, A::MarkPaid))
        .await
        .held
        .expect("held");
    let (status, error) = s.owner.call(approve(held.approval_id)).await.refusal();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        error.message.contains("on the member's behalf"),
        "{}",
        error.message
    );
    s.reviewer.ok(approve(held.approval_id)).await;
    assert_eq!(status_of(&app, made.id).await, "paid");
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_files_carry_requests_above_the_limit_only_once_approved() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let (small, big) = (s.requests[2], s.requests[3]);
    for id in [small, big] {
        s.manager.ok(act_as(id, A::Approve)).await;
    }
    let selected = format!("{small},{big}");
    let file_key = key();
    let first = payment_file(
        &s.manager,
        &[
            ("format", "payquicker_csv"),
            ("scope", "selected"),
            ("ids", &selected),
            ("idempotency_key", &file_key),
        ],
    )
    .await;
    let view = s
        .manager
        .ok(app::payouts::api::PaymentFile { id: first })
        .await;
    assert_eq!(view.rows, 1, "only the 20.00 request");
    let skipped = view
        .skipped
        .iter()
        .find(|s| s.request_id == big)
        .expect("the 50.00 request is skipped");
    assert!(
        skipped.reason.contains("second approval"),
        "{}",
        skipped.reason
    );
    assert_eq!(status_of(&app, small).await, "processing");
    assert_eq!(status_of(&app, big).await, "approved");

    // Alone in a file it makes no file, and the ask is kept.
    let big_only = big.to_string();
    let refused = crate::client::export(
        &s.manager,
        &[
            ("format", "payquicker_csv"),
            ("scope", "selected"),
            ("ids", &big_only),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let location = refused.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.contains("export_error="), "{location}");
    let queue = s.reviewer.ok(ApprovalsPage {}).await;
    assert_eq!(queue.waiting.len(), 1);
    let decided = s.reviewer.ok(approve(queue.waiting[0].id)).await;
    assert!(
        decided.message.contains("next payment file"),
        "{}",
        decided.message
    );
    assert_eq!(decided.approval.status, "approved");

    // The next file takes it and uses the approval up.
    let second = payment_file(
        &s.manager,
        &[
            ("format", "payquicker_csv"),
            ("scope", "selected"),
            ("ids", &big_only),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let view = s
        .manager
        .ok(app::payouts::api::PaymentFile { id: second })
        .await;
    assert_eq!(view.rows, 1);
    assert_eq!(status_of(&app, big).await, "processing");
    assert_eq!(approval_status(&app, queue.waiting[0].id).await, "done");
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_and_adjustments_above_the_limit_wait_and_can_be_declined() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    // Opened with a cent: the fixture deposits what it opens with.
    let wallet = funding_wallet(&app, &s.desk, "Main", 1).await;

    // 30.00 goes at once; 500.00 waits.
    let small = s
        .manager
        .ok(RecordDeposit {
            wallet_id: wallet.id,
            amount: "30".into(),
            memo: "Wire 1".into(),
            idempotency_key: key(),
        })
        .await;
    assert!(matches!(small, Moved::Done(_)), "{small:?}");
    let big = s
        .manager
        .ok(RecordDeposit {
            wallet_id: wallet.id,
            amount: "500".into(),
            memo: "Wire 2".into(),
            idempotency_key: key(),
        })
        .await;
    let held = big.held().cloned().expect("held");
    assert_eq!(balance(&app, wallet.id).await, 3_001);
    let decided = s.reviewer.ok(approve(held.approval_id)).await;
    assert!(
        decided.message.contains("deposit is recorded"),
        "{}",
        decided.message
    );
    assert_eq!(balance(&app, wallet.id).await, 53_001);

    // An adjustment above the limit, declined: declining needs a note.
    let ada = app
        .count("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await;
    let ada_wallet = app
        .count(&format!(
            "SELECT id FROM wallets WHERE owner_user_id = {ada} AND asset_id = {}",
            s.desk.usd.id
        ))
        .await;
    let before = balance(&app, ada_wallet).await;
    let asked = s
        .manager
        .ok(AdjustMemberBalance {
            member_id: ada,
            asset: "USD".into(),
            direction: Direction::Credit,
            amount: "75".into(),
            reason: "Goodwill".into(),
            idempotency_key: key(),
        })
        .await;
    let held = asked.held().cloned().expect("held");
    let (status, _) = s
        .reviewer
        .call(DeclineHeld {
            approval_id: held.approval_id,
            note: "  ".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let declined = s
        .reviewer
        .ok(DeclineHeld {
            approval_id: held.approval_id,
            note: "No goodwill above 40 without a ticket".into(),
        })
        .await;
    assert_eq!(declined.approval.status, "declined");
    assert_eq!(balance(&app, ada_wallet).await, before);
    // Declined is final: approving it now is refused.
    let (status, _) = s.owner.call(approve(held.approval_id)).await.refusal();
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(balance(&app, ada_wallet).await, before);

    // Without a limit one admin suffices for any amount.
    limit(&s.owner, "USD", "").await;
    let free = s
        .manager
        .ok(AdjustMemberBalance {
            member_id: ada,
            asset: "USD".into(),
            direction: Direction::Credit,
            amount: "75".into(),
            reason: "Goodwill, ticket 12".into(),
            idempotency_key: key(),
        })
        .await;
    assert!(matches!(free, Moved::Done(_)), "{free:?}");
    assert_eq!(balance(&app, ada_wallet).await, before + 7_500);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_payment_above_the_limit_pays_once_approved_and_voids_when_the_set_changes() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let wallet = funding_wallet(&app, &s.desk, "Incentives", 1_000_000).await;
    let ids = pending_incentives(&app, &s.desk, "ada", &[3_000, 2_500, 1_000]).await;
    decide_incentives(&app, &s.desk, &ids, IncentiveAction::Approve, "").await;
    let pay = |ids: Vec<i64>| PayIncentives {
        ids,
        all_matching: false,
        query: Default::default(),
        funding_wallet_id: wallet.id,
        description: "March SPIFF".into(),
        idempotency_key: key(),
    };

    // 30.00 + 25.00 = 55.00: held, nothing paid.
    let held = s.manager.ok(pay(vec![ids[0], ids[1]])).await;
    let approval = held.held.clone().expect("held");
    assert!(held.paid.is_empty());
    assert_eq!(balance(&app, wallet.id).await, 1_000_000);

    // Approved as asked: paid once, from the wallet.
    let decided = s.reviewer.ok(approve(approval.approval_id)).await;
    assert!(
        decided.message.contains("2 incentives are paid"),
        "{}",
        decided.message
    );
    assert_eq!(balance(&app, wallet.id).await, 1_000_000 - 5_500);

    // Another ask; one of its incentives is paid meanwhile (under the
    // limit, by one admin): the approval no longer matches and is void.
    let more = pending_incentives(&app, &s.desk, "ada", &[3_000, 2_000]).await;
    decide_incentives(&app, &s.desk, &more, IncentiveAction::Approve, "").await;
    let held = s
        .manager
        .ok(pay(vec![ids[2], more[0], more[1]]))
        .await
        .held
        .expect("held");
    let alone = s.manager.ok(pay(vec![more[0]])).await;
    assert_eq!(alone.paid, vec![more[0]]);
    let decided = s.reviewer.ok(approve(held.approval_id)).await;
    assert_eq!(decided.approval.status, "void", "{}", decided.message);
    assert_eq!(
        balance(&app, wallet.id).await,
        1_000_000 - 5_500 - 3_000,
        "nothing more was paid"
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_limits_are_checked_and_audited() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let owner = admin_browser(&app).await;
    let (status, error) = owner
        .call(SaveApprovalLimit {
            asset: "USD".into(),
            amount: "ten".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error.message);
    assert!(
        error.message.contains("Approval limit"),
        "{}",
        error.message
    );
    let (status, _) = owner
        .call(SaveApprovalLimit {
            asset: "XYZ".into(),
            amount: "10".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    limit(&owner, "gems", "1000").await;
    let settings = owner.ok(app::settings::api::LoadSettings {}).await;
    let gems = settings
        .approval_limits
        .iter()
        .find(|row| row.currency == "GEMS")
        .expect("points have a limit too");
    assert_eq!(gems.amount, "1000");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE subject = 'settings:approval_limit:GEMS'"
        )
        .await,
        1
    );
    // An adjustment in points is held like money.
    let ada = desk.member(&app, "ada").await;
    let manager = app.signed_in_team_member(TeamRole::PaymentsManager).await;
    let asked = manager
        .ok(AdjustMemberBalance {
            member_id: ada.actor.user_id,
            asset: "GEMS".into(),
            direction: Direction::Credit,
            amount: "1001".into(),
            reason: "Contest".into(),
            idempotency_key: key(),
        })
        .await;
    assert!(asked.held().is_some(), "{asked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_is_void_when_its_initiator_may_no_longer_move_money() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let wallet = funding_wallet(&app, &s.desk, "Main", 1).await;
    let held = s
        .manager
        .ok(RecordDeposit {
            wallet_id: wallet.id,
            amount: "500".into(),
            memo: "Wire 3".into(),
            idempotency_key: key(),
        })
        .await
        .held()
        .cloned()
        .expect("held");
    // The manager becomes a viewer before anyone approves.
    s.owner
        .ok(app::team::api::ChangeAdminRole {
            user_id: s.manager.view.id,
            role: TeamRole::Viewer,
        })
        .await;
    let decided = s.reviewer.ok(approve(held.approval_id)).await;
    assert_eq!(decided.approval.status, "void", "{}", decided.message);
    assert!(
        decided.message.contains("may no longer"),
        "{}",
        decided.message
    );
    assert_eq!(balance(&app, wallet.id).await, 1);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_own_value_limit_holds_moves_under_the_desks_limit() {
    use app::team::api::{SetValueLimit, TeamPage};
    let app = spawn_app().await;
    let s = scene(&app).await;
    let small = s.requests[2]; // 20.00 USD, under the desk's 40.00
    to_processing(&s.manager, small).await;
    let set = |amount: &str| SetValueLimit {
        user_id: s.manager.view.id,
        asset: "usd".into(),
        amount: amount.into(),
    };
    let (status, _) = s.owner.call(set("lots")).await.refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Only owners set them.
    let (status, _) = s.manager.call(set("1")).await.refusal();
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.owner.ok(set("10")).await;
    let team = s.owner.ok(TeamPage {}).await;
    let row = team
        .members
        .iter()
        .find(|m| m.id == s.manager.view.id)
        .expect("the manager is on the team");
    assert_eq!(
        row.value_limits,
        vec![("USD".to_owned(), "10.00".to_owned())]
    );

    let held = s
        .manager
        .ok(act_as(small, A::MarkPaid))
        .await
        .held
        .expect("held by the manager's own limit");
    assert!(
        held.message.contains("your own value limit of 10.00 USD"),
        "{}",
        held.message
    );
    // With the manager's own limit removed, only the desk's applies again.
    s.owner.ok(set("")).await;
    let other = s.requests[0]; // Ada, 10.00 USD
    to_processing(&s.manager, other).await;
    let paid = s.manager.ok(act_as(other, A::MarkPaid)).await;
    assert_eq!((paid.status, paid.held), (WithdrawalStatus::Paid, None));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'settings_changed' \
             AND detail LIKE 'value limit in USD%' AND actor_user_id = {}",
            s.desk.admin.user_id
        ))
        .await,
        2
    );
}
