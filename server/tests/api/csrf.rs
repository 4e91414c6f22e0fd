use crate::helpers::{error_of, spawn_app, TestUser};
use app::error::ErrorCode;
use reqwest::{header, StatusCode};

/// A sign-up attempt with every field valid, varying only what CSRF looks at.
async fn sign_up_with(
    app: &crate::helpers::TestApp,
    origin: Option<&str>,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let user = TestUser::generate();
    let mut form = vec![
        ("email", user.email.as_str()),
        ("display_name", user.name.as_str()),
        ("password", user.password.as_str()),
    ];
    if let Some(token) = token {
        form.push(("csrf_token", token));
    }
    let mut request = app
        .client
        .post(format!("{}/api/auth/signup", app.address))
        .form(&form);
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_post_needs_the_token_from_the_csrf_cookie() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let own = app.address.clone();

    let (status, error) = error_of(sign_up_with(&app, Some(&own), None, &[]).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error.code, ErrorCode::Forbidden);

    let forged = "A".repeat(43);
    let response = sign_up_with(&app, Some(&own), Some(&forged), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        0,
        "nothing was written"
    );

    let response = sign_up_with(&app, Some(&own), Some(&token), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_without_the_cookie_cannot_post_a_form_even_with_a_token() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let stranger = app.new_browser();
    let response = stranger
        .client
        .post(format!("{}/api/auth/signup", app.address))
        .header(header::ORIGIN, &app.address)
        .form(&[
            ("email", "x@example.com"),
            ("display_name", "X"),
            ("password", "long enough 1"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_are_refused_even_with_a_valid_token() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;

    let response = sign_up_with(&app, Some("http://evil.example"), Some(&token), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = sign_up_with(
        &app,
        Some(&app.address.clone()),
        Some(&token),
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // JSON cannot come from a plain form, but a foreign Origin is still refused.
    let response = app
        .client
        .post(format!("{}/api/auth/me", app.address))
        .header(header::ORIGIN, "http://evil.example")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_without_javascript_gets_a_readable_page() {
    let app = spawn_app().await;
    let response = sign_up_with(
        &app,
        Some("http://evil.example"),
        None,
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.unwrap();
    assert!(page.contains("Reload the page and try again"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changing_server_functions_refuse_get() {
    let app = spawn_app().await;
    let response = app.get("/api/auth/logout").await;
    assert_ne!(response.status(), StatusCode::OK);
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hydrated_client_may_send_the_token_as_a_header_instead() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let own = app.address.clone();

    let wrong = "B".repeat(43);
    let response = sign_up_with(&app, Some(&own), None, &[("x-csrf-token", wrong.as_str())]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    let response = sign_up_with(&app, Some(&own), None, &[("x-csrf-token", token.as_str())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}
