//! The team page over HTTP: an owner invites an admin who joins through the
//! emailed link with the role they were given; roles change; a deactivated
//! admin's sessions end at once; invitations are resent and revoked; and
//! the desk always keeps an active owner, even when two owners race.

use crate::client::Answered;
use crate::helpers::{spawn_app, TestApp};
use app::auth::{api::ResetPassword, TeamRole};
use app::team::api::{
    ChangeAdminRole, InviteAdmin, ResendInvitation, RevokeInvitation, SetAdminActive, TeamPage,
};
use app::team::{Standing, TeamMemberView};
use reqwest::StatusCode;

const INVITE: &str = "team.invite";

fn invite(email: &str, role: TeamRole) -> InviteAdmin {
    InviteAdmin {
        email: email.into(),
        display_name: String::new(),
        role,
    }
}

fn join(token: &str) -> ResetPassword {
    ResetPassword {
        token: token.into(),
        password: "a long team passphrase".into(),
        confirm: "a long team passphrase".into(),
    }
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = '{action}'"
    ))
    .await
}

fn find<'a>(members: &'a [TeamMemberView], email: &str) -> &'a TeamMemberView {
    members
        .iter()
        .find(|m| m.email == email)
        .unwrap_or_else(|| panic!("{email} on the team"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_admin_joins_through_the_link_with_their_role() {
    let app = spawn_app().await;
    let owner = app.signed_in_admin().await;

    let shown = owner
        .ok(invite("Pat@Example.com", TeamRole::PaymentsManager))
        .await;
    assert_eq!(
        (shown.email.as_str(), shown.role, shown.standing),
        (
            "pat@example.com",
            TeamRole::PaymentsManager,
            Standing::Invited
        )
    );
    let page = owner.ok(TeamPage {}).await;
    assert_eq!(page.you, owner.view.id);
    assert_eq!(page.members[0].role, TeamRole::Owner, "owners first");
    let pat = find(&page.members, "pat@example.com");
    assert!(pat.invitation_expires_at.is_some());
    assert_eq!(pat.last_signed_in_at, None);

    // The same address twice, or one that is not an address: refused.
    let (status, error) = owner
        .call(invite("pat@example.com", TeamRole::Viewer))
        .await
        .refusal();
    assert_eq!(status, StatusCode::CONFLICT, "{}", error.message);
    let (status, _) = owner
        .call(invite("not an address", TeamRole::Viewer))
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A role that does not exist never reaches the service.
    let answer = owner
        .post_form(
            "/api/admin/team/invite",
            &[("email", "sam@example.com"), ("role", "boss")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        2
    );

    // Pat cannot sign in before choosing a password, then joins.
    let token = app.link_token("pat@example.com", INVITE).await;
    let pat_browser = app.new_browser();
    pat_browser.ok(join(&token)).await;
    let again = pat_browser.call(join(&token)).await.status();
    assert_eq!(again, StatusCode::BAD_REQUEST, "the link works once");
    let signed_in = pat_browser
        .log_in("pat@example.com", "a long team passphrase")
        .await;
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection());
    let me = pat_browser.me().await.expect("signed in");
    assert_eq!(me.team_role, Some(TeamRole::PaymentsManager));
    // A payments manager does not run the team.
    assert_eq!(
        pat_browser.call(TeamPage {}).await.status(),
        StatusCode::FORBIDDEN
    );

    let page = owner.ok(TeamPage {}).await;
    let pat = find(&page.members, "pat@example.com");
    assert_eq!(pat.standing, Standing::Active);
    assert!(pat.last_signed_in_at.is_some());
    assert!(!pat.two_factor);
    assert_eq!(audited(&app, "admin_invited").await, 1);

    // Once Pat turns two-factor on, the team page says so.
    let enrolment = pat_browser
        .ok(app::auth::two_factor_api::BeginTwoFactor {})
        .await;
    let secret = totp_rs::Secret::try_from_base32(enrolment.secret.replace(' ', "")).unwrap();
    let code = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(u64::try_from(app.clock.now().timestamp()).unwrap())
        .to_string();
    pat_browser
        .ok(app::auth::two_factor_api::ConfirmTwoFactor {
            code,
            password: "a long team passphrase".into(),
        })
        .await;
    let page = owner.ok(TeamPage {}).await;
    assert!(find(&page.members, "pat@example.com").two_factor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_active_owner_keeps_the_desk() {
    let app = spawn_app().await;
    let owner = app.signed_in_admin().await;
    let me = owner.view.id;

    let (status, error) = owner
        .call(ChangeAdminRole {
            user_id: me,
            role: TeamRole::Viewer,
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error.message.contains("last active owner"),
        "{}",
        error.message
    );
    let (status, _) = owner
        .call(SetAdminActive {
            user_id: me,
            active: false,
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::CONFLICT);

    // An invited owner who has not joined does not count.
    let invited = owner.ok(invite("quinn@example.com", TeamRole::Owner)).await;
    assert_eq!(
        owner
            .call(ChangeAdminRole {
                user_id: me,
                role: TeamRole::Reviewer,
            })
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // With a second active owner, either may step down; the other then
    // may not.
    let second = app.signed_in_team_member(TeamRole::PaymentsManager).await;
    owner
        .ok(ChangeAdminRole {
            user_id: second.view.id,
            role: TeamRole::Owner,
        })
        .await;
    second
        .ok(ChangeAdminRole {
            user_id: me,
            role: TeamRole::Reviewer,
        })
        .await;
    assert_eq!(
        second
            .call(ChangeAdminRole {
                user_id: second.view.id,
                role: TeamRole::Viewer,
            })
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // The demoted owner lost the team page with the role.
    assert_eq!(
        owner.call(TeamPage {}).await.status(),
        StatusCode::FORBIDDEN
    );
    // Members are not on the team.
    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    let member_id = member.me().await.expect("a member").id;
    assert_eq!(
        second
            .call(ChangeAdminRole {
                user_id: member_id,
                role: TeamRole::Owner,
            })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE team_role IS NOT NULL AND role = 'member'")
            .await,
        0
    );
    assert_eq!(invited.standing, Standing::Invited);
    assert_eq!(audited(&app, "admin_role_changed").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let a = app.signed_in_team_member(TeamRole::Owner).await;
        let b = app.signed_in_team_member(TeamRole::Owner).await;
        // Whoever else is an owner from the rounds before steps aside
        // first, so a and b are the only two.
        let others: Vec<i64> = a
            .ok(TeamPage {})
            .await
            .members
            .iter()
            .filter(|m| m.role == TeamRole::Owner && m.id != a.view.id && m.id != b.view.id)
            .map(|m| m.id)
            .collect();
        for other in others {
            a.ok(ChangeAdminRole {
                user_id: other,
                role: TeamRole::Viewer,
            })
            .await;
        }
        let (one, two) = tokio::join!(
            a.call(ChangeAdminRole {
                user_id: b.view.id,
                role: TeamRole::Viewer,
            }),
            b.call(ChangeAdminRole {
                user_id: a.view.id,
                role: TeamRole::Reviewer,
            }),
        );
        // One wins. The other is refused: by the last-owner rule when both
        // were in flight at once (409), or as no longer an owner when the
        // winner committed before its permission check (403).
        let mut statuses = [one.status(), two.status()];
        statuses.sort();
        assert_eq!(statuses[0], StatusCode::OK, "{statuses:?}");
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&statuses[1]),
            "{statuses:?}"
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM users WHERE team_role = 'owner' AND is_active AND email_confirmed_at IS NOT NULL"
            )
            .await,
            1,
            "exactly one active owner is left"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_an_admin_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let owner = app.signed_in_admin().await;
    let pat = app.signed_in_team_member(TeamRole::PaymentsManager).await;
    assert!(pat.me().await.is_some());
    owner
        .ok(SetAdminActive {
            user_id: pat.view.id,
            active: false,
        })
        .await;
    assert_eq!(pat.me().await, None, "the session ended");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {}",
            pat.view.id
        ))
        .await,
        0
    );
    let page = owner.ok(TeamPage {}).await;
    assert_eq!(
        find(&page.members, &pat.view.email).standing,
        Standing::Deactivated
    );
    owner
        .ok(SetAdminActive {
            user_id: pat.view.id,
            active: true,
        })
        .await;
    assert_eq!(audited(&app, "admin_active_changed").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_resent_with_a_new_link_or_revoked() {
    let app = spawn_app().await;
    let owner = app.signed_in_admin().await;
    let invited = owner
        .ok(invite("robin@example.com", TeamRole::Reviewer))
        .await;
    let first = app.link_token("robin@example.com", INVITE).await;
    owner
        .ok(ResendInvitation {
            user_id: invited.id,
        })
        .await;
    let second = app.link_token("robin@example.com", INVITE).await;
    assert_ne!(first, second);
    let browser = app.new_browser();
    assert_eq!(
        browser.call(join(&first)).await.status(),
        StatusCode::BAD_REQUEST,
        "the old link stopped working"
    );

    owner
        .ok(RevokeInvitation {
            user_id: invited.id,
        })
        .await;
    assert_eq!(
        browser.call(join(&second)).await.status(),
        StatusCode::BAD_REQUEST,
        "a revoked invitation's link opens nothing"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'robin@example.com'")
            .await,
        0
    );
    assert_eq!(audited(&app, "admin_invite_revoked").await, 1);

    // The address can be invited again; a joined admin has no invitation.
    let again = owner
        .ok(invite("robin@example.com", TeamRole::Viewer))
        .await;
    let token = app.link_token("robin@example.com", INVITE).await;
    browser.ok(join(&token)).await;
    for answer in [
        owner.call(ResendInvitation { user_id: again.id }).await,
        owner.call(RevokeInvitation { user_id: again.id }).await,
    ] {
        assert_eq!(answer.status(), StatusCode::CONFLICT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoke_racing_the_invitees_join_never_deletes_a_joined_admin() {
    let app = spawn_app().await;
    let owner = app.signed_in_admin().await;
    for round in 0..5 {
        let email = format!("racer-{round}@example.com");
        let invited = owner.ok(invite(&email, TeamRole::Viewer)).await;
        let token = app.link_token(&email, INVITE).await;
        let invitee = app.new_browser();
        let (revoked, joined) = tokio::join!(
            owner.call(RevokeInvitation {
                user_id: invited.id
            }),
            invitee.call(join(&token)),
        );
        let accounts = app
            .count(&format!(
                "SELECT COUNT(*) FROM users WHERE email = '{email}'"
            ))
            .await;
        match (revoked.status(), joined.status()) {
            // Revoked first: the link no longer opens anything.
            (StatusCode::OK, StatusCode::BAD_REQUEST) => assert_eq!(accounts, 0),
            // Joined first: the revoke is refused and the account stays.
            (StatusCode::CONFLICT, StatusCode::OK) => assert_eq!(accounts, 1),
            other => panic!("round {round}: {other:?}"),
        }
    }
}
