//! The permission table over every admin endpoint, for every role on the
//! team: each call either passes the permission check or answers 403, as
//! `auth::permissions` says, and an admin endpoint without a row here fails
//! the test (so a new one cannot ship unchecked).

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use crate::client::Answered;
use crate::helpers::{spawn_app, Browser};
use crate::ledger_fixture::{desk, key, some_requests};
use app::auth::{Permission, TeamRole};
use app::ledger::money::Direction;
use app::payouts::{BulkRequest, PayoutQuery, Selection};
use app::verification::ReviewDecision;
use app::withdrawals::WithdrawalAction;
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

type Call = Box<dyn for<'a> Fn(&'a Browser) -> Pin<Box<dyn Future<Output = StatusCode> + 'a>>>;

/// One admin endpoint: where it lives, what it needs, and a call to it
/// with arguments good enough to reach the permission check.
struct Endpoint {
    path: String,
    permission: Permission,
    call: Call,
}

/// A call as the table stores it (the bound names the closure's type, so
/// its future is boxed as the row's).
fn boxed(
    call: impl for<'a> Fn(&'a Browser) -> Pin<Box<dyn Future<Output = StatusCode> + 'a>> + 'static,
) -> Call {
    Box::new(call)
}

/// A server function's row: its path comes from its argument struct.
macro_rules! server_fn {
    ($permission:expr, $args:expr) => {{
        fn path_of<F: ServerFn>(_: &F) -> String {
            F::PATH.to_owned()
        }
        Endpoint {
            path: path_of(&$args),
            permission: $permission,
            call: boxed(move |browser| {
                let args = $args;
                Box::pin(async move { browser.call(args).await.status() })
            }),
        }
    }};
}

fn endpoints(request_id: i64) -> Vec<Endpoint> {
    use app::admin::api::*;
    use app::approvals::api::*;
    use app::audit_log::api::*;
    use app::auth::sessions_api::{
        AdminSessions, EndAdminSessions, EndMemberSessions, MemberSessions,
    };
    use app::email::api::*;
    use app::funding::api::*;
    use app::incentives::api::*;
    use app::members::api::*;
    use app::payout_fields::api::*;
    use app::payout_runs::api::*;
    use app::payouts::api::*;
    use app::paypal::api::*;
    use app::settings::api::*;
    use app::team::api::*;
    use Permission as P;

    let run = || app::payout_runs::RunParams {
        asset: "USD".into(),
        threshold: "1".into(),
        max_per_member: String::new(),
    };
    let nobody = 999_999;
    vec![
        server_fn!(P::Read, AdminOverview {}),
        server_fn!(
            P::Read,
            ListAudit {
                query: Default::default()
            }
        ),
        server_fn!(
            P::Read,
            ListEmails {
                query: app::email::EmailQuery {
                    state: String::new(),
                    page: 1
                }
            }
        ),
        server_fn!(P::RetryEmails, RetryEmail { id: nobody }),
        server_fn!(P::ManageSettings, SetDigest { on: false }),
        server_fn!(
            P::Read,
            FundingPage {
                wallet_id: None,
                page: 1
            }
        ),
        server_fn!(
            P::ManageFundingWallets,
            CreateFundingWallet {
                name: format!("Budget {}", key()),
                asset: "USD".into()
            }
        ),
        server_fn!(
            P::Deposit,
            RecordDeposit {
                wallet_id: nobody,
                amount: "10".into(),
                memo: "Top-up".into(),
                idempotency_key: key()
            }
        ),
        server_fn!(
            P::Read,
            ListIncentives {
                query: Default::default()
            }
        ),
        server_fn!(
            P::DecideIncentives,
            DecideIncentives {
                ids: nobody.to_string(),
                all_matching: false,
                query: Default::default(),
                action: app::incentives::IncentiveDecision::Approve,
                note: String::new()
            }
        ),
        server_fn!(
            P::PayIncentives,
            PayIncentives {
                ids: vec![nobody],
                all_matching: false,
                query: Default::default(),
                funding_wallet_id: nobody,
                description: "March".into(),
                idempotency_key: key()
            }
        ),
        server_fn!(P::Read, PaymentWallets {}),
        server_fn!(P::Read, ListApiKeys {}),
        server_fn!(P::ManageApiKeys, SetInviteMissing { enabled: None }),
        server_fn!(
            P::ManageApiKeys,
            CreateApiKey {
                name: "Website".into(),
                expires_in_days: String::new()
            }
        ),
        server_fn!(P::ManageApiKeys, RevokeApiKey { id: nobody }),
        server_fn!(
            P::CreateIncentives,
            CreateIncentive {
                member_id: nobody,
                program: "bonus".into(),
                asset: "USD".into(),
                amount: "5".into(),
                description: String::new(),
                idempotency_key: key()
            }
        ),
        server_fn!(P::Read, PreviewImport { csv: String::new() }),
        server_fn!(P::CreateIncentives, RunImport { csv: String::new() }),
        server_fn!(
            P::Read,
            ListMembers {
                q: String::new(),
                page: 1
            }
        ),
        server_fn!(
            P::Read,
            MemberDetail {
                member_id: nobody,
                wallet_id: None,
                page: 1
            }
        ),
        server_fn!(
            P::ManageMembers,
            SetMemberActive {
                member_id: nobody,
                active: true
            }
        ),
        server_fn!(
            P::AdjustBalances,
            AdjustMemberBalance {
                member_id: nobody,
                asset: "USD".into(),
                direction: Direction::Credit,
                amount: "5".into(),
                reason: "Goodwill".into(),
                idempotency_key: key()
            }
        ),
        server_fn!(
            P::ProcessPayouts,
            RequestForMember {
                member_id: nobody,
                wallet_id: nobody,
                method: "paypal".into(),
                amount: Some("5".into()),
                max: None,
                note: None,
                idempotency_key: key()
            }
        ),
        server_fn!(
            P::ReviewVerifications,
            ReviewMemberVerification {
                member_id: nobody,
                decision: ReviewDecision::Approve,
                note: None,
                submission: String::new()
            }
        ),
        server_fn!(
            P::RevealDetails,
            RevealMemberDetails {
                member_id: nobody,
                method: "paypal".into()
            }
        ),
        server_fn!(P::Read, ListPayoutFields {}),
        server_fn!(
            P::ManageSettings,
            AddPayoutField {
                field: app::payout_fields::NewField::default()
            }
        ),
        server_fn!(
            P::ManageSettings,
            MovePayoutField {
                field_id: nobody,
                up: true
            }
        ),
        server_fn!(P::ManageSettings, RetirePayoutField { field_id: nobody }),
        server_fn!(P::Read, PreviewRun { params: run() }),
        server_fn!(
            P::RunPayouts,
            StartRun {
                params: run(),
                idempotency_key: key()
            }
        ),
        server_fn!(P::RunPayouts, StepRun { run_id: nobody }),
        server_fn!(P::Read, RunsPage {}),
        server_fn!(
            P::RunPayouts,
            SaveSchedule {
                schedule: app::payout_runs::ScheduleInput {
                    params: run(),
                    cadence: "weekly".into(),
                    day: 0,
                    hour: 0
                },
                idempotency_key: key()
            }
        ),
        server_fn!(
            P::RunPayouts,
            StopSchedule {
                schedule_id: nobody
            }
        ),
        server_fn!(
            P::Read,
            ListPayouts {
                query: PayoutQuery::default()
            }
        ),
        server_fn!(
            P::ProcessPayouts,
            BulkPayouts {
                request: BulkRequest {
                    selection: Selection::Ids(vec![nobody]),
                    action: WithdrawalAction::Approve,
                    note: String::new(),
                    external_reference: String::new(),
                    payment_date: String::new(),
                    idempotency_key: key()
                }
            }
        ),
        server_fn!(P::Read, RequestedCount {}),
        server_fn!(P::Read, PayoutProcessView { request_id }),
        server_fn!(P::RevealDetails, RevealPayoutDetails { request_id }),
        server_fn!(
            P::ProcessPayouts,
            ActOnPayout {
                request_id: nobody,
                action: WithdrawalAction::Approve,
                note: None,
                external_reference: None,
                payment_date: None,
                idempotency_key: key()
            }
        ),
        server_fn!(P::Read, PaymentFile { id: nobody }),
        server_fn!(P::Read, ExportHistory {}),
        server_fn!(P::Read, PaypalStatus {}),
        server_fn!(
            P::SendViaPaypal,
            SendViaPaypal {
                selection: Selection::Ids(vec![nobody]),
                idempotency_key: key()
            }
        ),
        server_fn!(P::Read, PaypalTrail { request_id }),
        server_fn!(
            P::SendViaPaypal,
            ResolveAlert {
                alert_id: nobody,
                resolution: "dismiss".into(),
                note: "checked".into()
            }
        ),
        server_fn!(P::Read, LoadSettings {}),
        server_fn!(
            P::ManageSettings,
            SaveGeneralSettings {
                one_open_request: None,
                min_delay_hours: "0".into(),
                confirmation_message: String::new(),
                gift_card_brands: "Amazon".into(),
                payquicker_columns: "amount".into()
            }
        ),
        server_fn!(
            P::ManageSettings,
            SaveThreshold {
                currency: "USD".into(),
                amount: String::new()
            }
        ),
        server_fn!(
            P::ManageSettings,
            SaveMethodSettings {
                method: "paypal".into(),
                currency: "USD".into(),
                enabled: Some("1".into()),
                min: "1".into(),
                max: String::new(),
                fee_fixed: "0".into(),
                fee_percent: "0".into(),
                fee_min: "0".into(),
                fee_max: String::new()
            }
        ),
        server_fn!(
            P::ManageSettings,
            CreateAsset {
                kind: "points".into(),
                code: "PERM".into(),
                name: "Permits".into()
            }
        ),
        server_fn!(
            P::ManageSettings,
            SaveRate {
                points_code: "GEMS".into(),
                points: "10".into(),
                currency_code: "USD".into(),
                amount: "1".into()
            }
        ),
        server_fn!(
            P::ManageSettings,
            SaveApprovalLimit {
                asset: "USD".into(),
                amount: String::new()
            }
        ),
        server_fn!(
            P::ManageSettings,
            SaveStepUpLimit {
                asset: "USD".into(),
                amount: String::new()
            }
        ),
        server_fn!(P::Read, ApprovalsPage {}),
        server_fn!(P::Read, ApprovalsWaiting {}),
        server_fn!(
            P::SecondApprove,
            ApproveHeld {
                approval_id: nobody,
                note: String::new()
            }
        ),
        server_fn!(
            P::SecondApprove,
            DeclineHeld {
                approval_id: nobody,
                note: "no".into()
            }
        ),
        server_fn!(P::ManageTeam, TeamPage {}),
        server_fn!(P::ManageMembers, MemberSessions { member_id: nobody }),
        server_fn!(P::ManageMembers, EndMemberSessions { member_id: nobody }),
        server_fn!(P::ManageTeam, AdminSessions { user_id: nobody }),
        server_fn!(P::ManageTeam, EndAdminSessions { user_id: nobody }),
        server_fn!(
            P::ManageTeam,
            InviteAdmin {
                email: format!("invited-{}@example.com", key()),
                display_name: String::new(),
                role: TeamRole::Viewer
            }
        ),
        server_fn!(
            P::ManageTeam,
            ChangeAdminRole {
                user_id: nobody,
                role: TeamRole::Viewer
            }
        ),
        server_fn!(
            P::ManageTeam,
            SetAdminActive {
                user_id: nobody,
                active: false
            }
        ),
        server_fn!(
            P::ManageTeam,
            SetValueLimit {
                user_id: nobody,
                asset: "USD".into(),
                amount: String::new()
            }
        ),
        server_fn!(P::ManageTeam, ResendInvitation { user_id: nobody }),
        server_fn!(P::ManageTeam, RevokeInvitation { user_id: nobody }),
        plain_route(P::ExportPayouts, "/admin/payouts/export", |browser| {
            Box::pin(async move {
                crate::client::export(browser, &[("format", "paypal_csv"), ("scope", "all")])
                    .await
                    .status()
            })
        }),
        plain_route(
            P::ExportPayouts,
            "/admin/payouts/files/{id}/download",
            |browser| Box::pin(async move { browser.get(&download_path()).await.status() }),
        ),
        plain_route(P::Read, "/admin/live/requested", |browser| {
            Box::pin(async move { browser.get("/admin/live/requested").await.status() })
        }),
    ]
}

fn download_path() -> String {
    "/admin/payouts/files/999999/download".to_owned()
}

fn plain_route(
    permission: Permission,
    path: &str,
    call: impl for<'a> Fn(&'a Browser) -> Pin<Box<dyn Future<Output = StatusCode> + 'a>> + 'static,
) -> Endpoint {
    Endpoint {
        path: path.to_owned(),
        permission,
        call: boxed(call),
    }
}

#[test]
fn every_admin_server_function_has_a_row() {
    let listed: BTreeSet<String> = endpoints(1)
        .into_iter()
        .map(|endpoint| endpoint.path)
        .filter(|path| path.starts_with("/api/"))
        .collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .filter(|path| path.starts_with("/api/admin/"))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "admin server functions without a row in the permission table: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(stale.is_empty(), "rows for no server function: {stale:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_passes_or_is_refused_as_the_table_says() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    let endpoints = endpoints(made[0]);
    // Least power first, so an owner's successful writes come last.
    for role in [
        TeamRole::Viewer,
        TeamRole::Reviewer,
        TeamRole::PaymentsManager,
        TeamRole::Owner,
    ] {
        let admin = app.signed_in_team_member(role).await;
        for endpoint in &endpoints {
            let status = (endpoint.call)(&admin.browser).await;
            let allowed = role.allows(endpoint.permission);
            if allowed {
                assert!(
                    status != StatusCode::FORBIDDEN
                        && status != StatusCode::UNAUTHORIZED
                        && !status.is_server_error(),
                    "{role:?} may {:?} at {}, and got {status}",
                    endpoint.permission,
                    endpoint.path
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} may not {:?} at {}",
                    endpoint.permission,
                    endpoint.path
                );
            }
        }
    }
    // Nothing a refused role tried moved money or changed a request.
    crate::ledger_fixture::assert_ledger_clean(&app).await;
}

/// A viewer sees the process view with the details masked, and the reveal
/// is refused without an audit row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_reads_masked_details_and_cannot_reveal() {
    use app::payouts::api::{PayoutProcessView, RevealPayoutDetails};
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    let viewer = app.signed_in_team_member(TeamRole::Viewer).await;
    let view = viewer
        .ok(PayoutProcessView {
            request_id: made[2],
        })
        .await;
    assert_eq!(
        view.request.payout_masked.as_deref(),
        Some("Deutsche Bank •••• 3000")
    );
    assert_eq!(
        viewer
            .call(RevealPayoutDetails {
                request_id: made[2]
            })
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payout_details_revealed'")
            .await,
        0
    );
    assert_eq!(
        viewer.me().await.and_then(|me| me.team_role),
        Some(TeamRole::Viewer)
    );
}

/// The pages' data offers each role only what it may do, so the page does
/// not draw buttons the server would refuse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_offer_each_role_only_what_it_may_do() {
    use app::funding::api::FundingPage;
    use app::incentives::api::ListIncentives;
    use app::members::api::MemberDetail;
    use app::payout_runs::api::RunsPage;
    use app::payouts::api::{ListPayouts, PayoutProcessView};
    use app::settings::api::LoadSettings;
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let made = some_requests(&app, &desk).await;
    let member_id = app
        .count("SELECT member_user_id FROM withdrawal_requests ORDER BY id LIMIT 1")
        .await;
    for role in TeamRole::ALL {
        let admin = app.signed_in_team_member(role).await;
        let can = |permission| role.allows(permission);
        let list = admin
            .ok(ListPayouts {
                query: PayoutQuery::default(),
            })
            .await;
        assert_eq!(
            (list.can_process, list.can_send, list.can_export),
            (
                can(Permission::ProcessPayouts),
                can(Permission::SendViaPaypal),
                can(Permission::ExportPayouts)
            ),
            "{role:?}"
        );
        let process = admin
            .ok(PayoutProcessView {
                request_id: made[0],
            })
            .await;
        assert_eq!(
            !process.allowed.is_empty(),
            can(Permission::ProcessPayouts),
            "{role:?}"
        );
        assert_eq!(process.can_reveal, can(Permission::RevealDetails));
        let member = admin
            .ok(MemberDetail {
                member_id,
                wallet_id: None,
                page: 1,
            })
            .await;
        assert_eq!(member.can.adjust, can(Permission::AdjustBalances));
        assert_eq!(member.can.reveal, can(Permission::RevealDetails));
        assert_eq!(member.can.review, can(Permission::ReviewVerifications));
        let incentives = admin
            .ok(ListIncentives {
                query: Default::default(),
            })
            .await;
        assert_eq!(
            (incentives.can_decide, incentives.can_pay),
            (
                can(Permission::DecideIncentives),
                can(Permission::PayIncentives)
            )
        );
        let wallets = admin
            .ok(FundingPage {
                wallet_id: None,
                page: 1,
            })
            .await;
        assert_eq!(
            (wallets.can_deposit, wallets.can_create),
            (
                can(Permission::Deposit),
                can(Permission::ManageFundingWallets)
            )
        );
        assert_eq!(
            admin.ok(LoadSettings {}).await.can_change,
            can(Permission::ManageSettings)
        );
        assert_eq!(
            admin.ok(RunsPage {}).await.can_run,
            can(Permission::RunPayouts)
        );
    }
}
