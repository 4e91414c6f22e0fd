use crate::helpers::{error_of, spawn_app, TestUser};
use app::auth::Role;
use app::error::ErrorCode;
use reqwest::{header, StatusCode};

/// Sign-up itself (the answer, the link, the taken address) is tested in
/// `confirmation.rs`; this is the member most tests start from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_member_signs_in_as_a_member() {
    let app = spawn_app().await;
    let user = TestUser::generate();

    let response = app.sign_up(&user).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.session_token().is_some(), "a session cookie is set");

    let me = app.me().await.expect("signed in");
    assert_eq!(me.email, user.email);
    assert_eq!(me.display_name, user.name);
    assert_eq!(me.role, Role::Member);
    assert!(me.email_confirmed);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'signed_up'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sign_up_input_gets_a_specific_message_and_writes_nothing() {
    let app = spawn_app().await;
    let cases: Vec<(TestUser, &str)> = vec![
        (
            TestUser {
                email: "not-an-email".into(),
                ..TestUser::generate()
            },
            "not a valid email",
        ),
        (
            TestUser {
                email: "".into(),
                ..TestUser::generate()
            },
            "Enter your email",
        ),
        (
            TestUser {
                name: "   ".into(),
                ..TestUser::generate()
            },
            "Enter your name",
        ),
        (
            TestUser {
                password: "short".into(),
                ..TestUser::generate()
            },
            "at least 8",
        ),
        (
            TestUser {
                password: "x".repeat(129),
                ..TestUser::generate()
            },
            "at most 128",
        ),
        (
            TestUser {
                password: "Password123".into(),
                ..TestUser::generate()
            },
            "commonly used",
        ),
    ];
    for (user, expected) in cases {
        let (status, error) = error_of(app.new_browser().sign_up(&user).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{user:?}");
        assert_eq!(error.code, ErrorCode::Invalid);
        assert!(
            error.message.contains(expected),
            "{:?} -> {}",
            user,
            error.message
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_form_field_is_a_clear_400_not_a_500() {
    let app = spawn_app().await;
    let response = app
        .post_form("/api/auth/signup", &[("email", "a@example.com")])
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("incomplete"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_with_the_right_password_starts_a_new_session() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let first_session = app.session_token().expect("session after sign-up");

    let response = app.log_in(&user.email, &user.password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second_session = app.session_token().expect("session after login");
    assert_ne!(
        first_session, second_session,
        "the session id changes at login"
    );

    // The old session is gone, not merely replaced in this browser.
    let stale = app.new_browser();
    stale.jar.add_cookie_str(
        &format!("paydesk_session={first_session}; Path=/"),
        &app.address.parse().unwrap(),
    );
    assert_eq!(stale.me().await, None);
    assert_eq!(app.me().await.map(|me| me.email), Some(user.email));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let browser = app.new_browser();

    let (wrong_status, wrong_password) =
        error_of(browser.log_in(&user.email, "not the password").await).await;
    let (unknown_status, unknown_email) = error_of(
        browser
            .log_in("nobody@example.com", "not the password")
            .await,
    )
    .await;

    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password.message, "Wrong email or password");
    assert!(browser.session_token().is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'login_failed'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let token = app.session_token().unwrap();

    assert_eq!(app.log_out().await.status(), StatusCode::OK);
    assert_eq!(app.me().await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // Replaying the old cookie does not bring the session back.
    let replay = app.new_browser();
    replay.jar.add_cookie_str(
        &format!("paydesk_session={token}; Path=/"),
        &app.address.parse().unwrap(),
    );
    assert_eq!(replay.me().await, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'logged_out'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_calling_an_admin_function_gets_403_and_a_visitor_401() {
    let app = spawn_app().await;
    let visitor = app.new_browser();
    let (status, error) = error_of(visitor.admin_overview().await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error.code, ErrorCode::Unauthenticated);

    app.sign_up(&TestUser::generate()).await;
    let (status, error) = error_of(app.admin_overview().await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error.code, ErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_the_overview() {
    let app = spawn_app().await;
    let admin = TestUser::generate();
    app.create_admin(&admin).await;
    app.new_browser().sign_up(&TestUser::generate()).await;
    app.new_browser().sign_up(&TestUser::generate()).await;

    let response = app.log_in(&admin.email, &admin.password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let overview = app.admin_overview().await;
    assert_eq!(overview.status(), StatusCode::OK);
    let figures: serde_json::Value = overview.json().await.unwrap();
    assert_eq!(figures["members"], 2);
    assert_eq!(figures["admins"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_guarded_on_the_server() {
    let app = spawn_app().await;
    let visitor = app.new_browser();
    let response = visitor
        .client
        .get(format!("{}/admin", app.address))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/login");

    app.sign_up(&TestUser::generate()).await;
    let response = app.get("/admin").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.unwrap();
    assert!(page.contains("You do not have access"), "{page}");

    let response = app.get("/account").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("My account"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_without_javascript_redirects_with_or_without_errors() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let token = app.csrf_token().await;
    let post = |password: &str| {
        app.client
            .post(format!("{}/api/auth/login", app.address))
            .header(header::ORIGIN, &app.address)
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}/login", app.address))
            .form(&[
                ("email", user.email.as_str()),
                ("password", password),
                ("csrf_token", token.as_str()),
            ])
            .send()
    };

    let failed = post("not the password").await.unwrap();
    assert_eq!(failed.status(), StatusCode::FOUND);
    let back = failed.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(back.contains("/login") && back.contains("__err="), "{back}");

    let page = app
        .get(back.trim_start_matches(&app.address))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Wrong email or password"),
        "the error is rendered: {back} {page}"
    );

    let succeeded = post(&user.password).await.unwrap();
    assert_eq!(succeeded.status(), StatusCode::FOUND);
    assert_eq!(succeeded.headers()[header::LOCATION], "/account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404_and_health_is_200() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_arrive_complete_without_needing_a_script_to_fill_them_in() {
    let app = spawn_app().await;
    let page = app.get("/").await.text().await.unwrap();
    let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
    assert!(header.contains("href=\"/login\""), "{header}");
    assert!(
        !page.contains("<template"),
        "nothing is left for a script to insert"
    );
}
