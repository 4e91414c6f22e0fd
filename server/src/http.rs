//! HTTP layers around every route: client address, CSRF defence, status
//! codes for server-function errors, and security headers.

use axum::{
    body::{to_bytes, Body},
    extract::{ConnectInfo, Request, State},
    http::{
        header::{ACCEPT, CONTENT_TYPE, HOST, ORIGIN, SET_COOKIE},
        HeaderMap, HeaderValue, Method, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::net::SocketAddr;

use app::error::{AppError, ErrorCode};
use app::platform::{
    input,
    request::{cookie_value, ClientIp, CsrfToken},
    AppState, Settings,
};
use app::ui::{CSRF_COOKIE, CSRF_FIELD};

/// Forms are small; anything bigger is not a form we render.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// A server-function error body is a short JSON object.
const MAX_ERROR_BYTES: usize = 64 * 1024;
/// The earnings API's largest batch (1,000 incentives) is far below this;
/// axum's own JSON limit is the same.
const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;
use app::ui::CSRF_HEADER;

/// Resolves the client's address once, for audit rows and throttling.
pub async fn client_ip(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    let forwarded = state
        .settings
        .trust_proxy_headers
        .then(|| forwarded_client(req.headers(), &state.settings.trusted_proxies))
        .flatten()
        .map(|ip| ip.to_string());
    if let Some(ip) = forwarded.or(peer) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The client address a chain of proxies reports: walking `X-Forwarded-For`
/// from the right (the entry our own proxy wrote), past the trusted proxies,
/// to the first address that is not one; the left-most if all are. Anything
/// further left was sent by the client itself and could say anything. An
/// entry that is not an address ends the walk with nothing (the peer counts).
fn forwarded_client(headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> Option<std::net::IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = None;
    for entry in entries.iter().rev() {
        let ip = entry.parse::<std::net::IpAddr>().ok()?;
        client = Some(ip);
        if !trusted.iter().any(|net| net.contains(&ip)) {
            break;
        }
    }
    client
}

fn new_csrf_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn looks_like_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares without stopping at the first difference.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers always say where a state-changing request comes from: a
/// `Sec-Fetch-Site` other than same-origin, or an `Origin` that is not ours,
/// is a cross-site request.
fn check_origin(settings: &Settings, headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.to_str(), Ok("same-origin") | Ok("none")) {
            return Err("cross-site request");
        }
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| "unreadable Origin")?;
    let matches = match &settings.public_origin {
        Some(expected) => origin == expected,
        None => {
            let host = headers.get(HOST).and_then(|h| h.to_str().ok());
            let origin_host = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            host.is_some() && origin_host == host
        }
    };
    if matches {
        Ok(())
    } else {
        Err("Origin is not this site")
    }
}

enum BodyKind {
    /// `application/x-www-form-urlencoded`: must carry the token as a field.
    UrlEncodedForm,
    /// Other types a plain cross-site form or beacon can send: must carry the header.
    OtherSimple,
    /// JSON and the like: a cross-site page cannot send these without a CORS
    /// preflight, which Paydesk never grants.
    NotSimple,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some("application/x-www-form-urlencoded") => BodyKind::UrlEncodedForm,
        None | Some("multipart/form-data") | Some("text/plain") => BodyKind::OtherSimple,
        Some(_) => BodyKind::NotSimple,
    }
}

fn refuse(headers: &HeaderMap, status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Request refused · Paydesk</title></head>\
             <body><main><h1>Request refused</h1><p>{message}</p><p><a href=\"/\">Back to Paydesk</a></p></main></body></html>"
        );
        return (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
    }
    let body = serde_json::to_string(&AppError::new(code, message)).unwrap_or_default();
    (status, [(CONTENT_TYPE, "application/json")], body).into_response()
}

/// The CSRF cookie's name: behind HTTPS with the `__Host-` prefix, like
/// the session's, so no subdomain can plant a token of its choosing.
fn csrf_cookie_name(settings: &app::platform::Settings) -> &'static str {
    if settings.cookie_secure {
        app::ui::SECURE_CSRF_COOKIE
    } else {
        CSRF_COOKIE
    }
}

/// Double-submit CSRF defence plus an Origin check, for every state-changing
/// request. Also mints the token cookie for browsers that do not have one yet.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let csrf_cookie = csrf_cookie_name(&state.settings);
    let cookie_token =
        cookie_value(req.headers(), csrf_cookie).filter(|token| looks_like_token(token));
    let mut req = req;

    if changes_state(req.method()) {
        const EXPIRED: &str =
            "This form has expired or was sent from another site. Reload the page and try again";
        if let Err(reason) = check_origin(&state.settings, req.headers()) {
            tracing::warn!(reason, path = %req.uri().path(), "refused a cross-site request");
            return refuse(
                req.headers(),
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                EXPIRED,
            );
        }
        let presented = match body_kind(req.headers()) {
            BodyKind::NotSimple => None,
            BodyKind::OtherSimple => Some(
                req.headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            ),
            BodyKind::UrlEncodedForm => {
                let (parts, body) = req.into_parts();
                let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        return refuse(
                            &parts.headers,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            ErrorCode::Invalid,
                            "The form is too large",
                        )
                    }
                };
                let field = form_urlencoded::parse(&bytes)
                    .find(|(key, _)| key == CSRF_FIELD)
                    .map(|(_, value)| value.into_owned());
                let header = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                req = Request::from_parts(parts, Body::from(bytes));
                Some(field.or(header))
            }
        };
        if let Some(presented) = presented {
            let valid = matches!(
                (&cookie_token, &presented),
                (Some(cookie), Some(sent)) if same_token(cookie, sent)
            );
            if !valid {
                tracing::warn!(path = %req.uri().path(), "refused a form without a valid CSRF token");
                return refuse(
                    req.headers(),
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    EXPIRED,
                );
            }
        }
    }

    let (token, minted) = match cookie_token {
        Some(token) => (token, false),
        None => (new_csrf_token(), true),
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    if minted {
        let secure = if state.settings.cookie_secure {
            "; Secure"
        } else {
            ""
        };
        // Readable by the page's own script (the hydrated forms copy it), and
        // never sent along with a request that another site starts.
        let cookie = format!("{csrf_cookie}={token}; Path=/; SameSite=Strict{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// Refuses text no field accepts (see `app::platform::input`) in the query
/// string, a form body or a JSON body, with a 400 that names the field,
/// before any handler or server function sees it.
pub async fn input_guard(req: Request, next: Next) -> Response {
    if let Some(query) = req.uri().query() {
        let checked = form_urlencoded::parse(query.as_bytes())
            .try_for_each(|(key, value)| input::check_field(&key, &value));
        if let Err(message) = checked {
            return refuse_input(req.uri().path(), req.headers(), &message);
        }
    }
    let json = match body_kind(req.headers()) {
        BodyKind::UrlEncodedForm => false,
        BodyKind::NotSimple if is_json(req.headers()) => true,
        _ => return next.run(req).await,
    };
    let (parts, body) = req.into_parts();
    let limit = if json { MAX_JSON_BYTES } else { MAX_FORM_BYTES };
    let Ok(bytes) = to_bytes(body, limit).await else {
        return refuse(
            &parts.headers,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Invalid,
            "The request is too large",
        );
    };
    let checked = if json {
        // A body that is not JSON is left to the handler, which says so.
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_or(Ok(()), |value| input::check_json(&value))
    } else {
        form_urlencoded::parse(&bytes).try_for_each(|(key, value)| input::check_field(&key, &value))
    };
    if let Err(message) = checked {
        return refuse_input(parts.uri.path(), &parts.headers, &message);
    }
    // The exact bytes go on (the PayPal webhook verifies them as sent).
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The earnings API answers errors in its own envelope; everything else as
/// server functions and pages do.
fn refuse_input(path: &str, headers: &HeaderMap, message: &str) -> Response {
    if path.starts_with("/api/v1/") {
        let body = serde_json::json!({ "error": AppError::invalid(message) });
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    refuse(
        headers,
        StatusCode::BAD_REQUEST,
        ErrorCode::Invalid,
        message,
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let essence = v
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
}

/// Server functions answer every error with 500; this gives each the status
/// its code stands for (400, 401, 403, 409, 429...), so clients, proxies and
/// logs see what happened. Form posts without JavaScript are redirects and
/// are left alone.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.code.http_status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers every answer gets. Signed-in pages and every API answer are
/// `no-store` (a shared or back-button cache must not keep someone's
/// balances or payout details); the client bundle and assets stay
/// cacheable. Behind HTTPS (an `https://` public origin) browsers are told
/// to use nothing else (HSTS).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.svg";
    let private = !asset
        && (path.starts_with("/api/")
            || cookie_value(
                req.headers(),
                app::auth::session::cookie_name(&state.settings),
            )
            .is_some());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if private && !headers.contains_key(axum::http::header::CACHE_CONTROL) {
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    if state
        .settings
        .public_origin
        .as_deref()
        .is_some_and(|origin| origin.starts_with("https://"))
    {
        headers.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Same-origin keeps the Referer that form posts without JavaScript are
    // redirected back to, and sends nothing to other sites.
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn check(settings: &Settings, pairs: &[(&'static str, &'static str)], allowed: bool) {
        assert_eq!(
            check_origin(settings, &headers(pairs)).is_ok(),
            allowed,
            "{pairs:?}"
        );
    }

    #[test]
    fn origin_must_be_this_site() {
        let own_host = Settings::default();
        check(
            &own_host,
            &[
                ("host", "pay.test:3000"),
                ("origin", "http://pay.test:3000"),
            ],
            true,
        );
        check(
            &own_host,
            &[("host", "pay.test:3000"), ("origin", "http://evil.test")],
            false,
        );
        check(
            &own_host,
            &[("host", "pay.test:3000"), ("origin", "null")],
            false,
        );
        check(&own_host, &[("host", "pay.test:3000")], true);
        check(&own_host, &[("sec-fetch-site", "cross-site")], false);
        check(&own_host, &[("sec-fetch-site", "same-site")], false);
        check(&own_host, &[("sec-fetch-site", "same-origin")], true);

        let fixed = Settings {
            public_origin: Some("https://pay.example.com".into()),
            ..Settings::default()
        };
        check(
            &fixed,
            &[
                ("host", "internal:3000"),
                ("origin", "https://pay.example.com"),
            ],
            true,
        );
        check(
            &fixed,
            &[
                ("host", "internal:3000"),
                ("origin", "http://internal:3000"),
            ],
            false,
        );
    }

    #[test]
    fn the_client_is_the_right_most_address_no_trusted_proxy_wrote() {
        let client = |header: &'static str, trusted: &[&str]| {
            let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
            forwarded_client(&headers(&[("x-forwarded-for", header)]), &trusted)
                .map(|ip| ip.to_string())
        };
        // One proxy: the address it saw, never what the client wrote first.
        assert_eq!(client("203.0.113.9", &[]).as_deref(), Some("203.0.113.9"));
        assert_eq!(
            client("1.2.3.4, 203.0.113.9", &[]).as_deref(),
            Some("203.0.113.9")
        );
        // A chain: past our own proxies to the first address they did not write.
        assert_eq!(
            client("1.2.3.4, 203.0.113.9, 10.0.0.5", &["10.0.0.0/8"]).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            client("10.0.0.7, 10.0.0.5", &["10.0.0.0/8"]).as_deref(),
            Some("10.0.0.7")
        );
        // Garbage where an address should be: no forwarded address at all.
        assert_eq!(client("1.2.3.4, not-an-ip", &[]), None);
        assert_eq!(client("", &[]), None);
    }

    #[test]
    fn tokens_compare_exactly() {
        let token = new_csrf_token();
        assert!(looks_like_token(&token));
        assert!(same_token(&token, &token.clone()));
        assert!(!same_token(&token, &new_csrf_token()));
        assert!(!same_token(&token, ""));
        assert!(!looks_like_token("short"));
    }
}
