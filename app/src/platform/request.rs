//! What a server function knows about the HTTP request that called it.
//!
//! The HTTP layer (server crate) resolves the client address once, honouring
//! proxy headers only when configured to, and leaves it in the request's
//! extensions; features read it from here.

use http::request::Parts;
use leptos::prelude::use_context;

/// The caller's address as the HTTP layer resolved it.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

/// The CSRF token of this browser (the double-submit cookie's value), which
/// the HTTP layer has checked on every form post and minted when missing.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub fn request_meta() -> RequestMeta {
    let Some(parts) = use_context::<Parts>() else {
        return RequestMeta::default();
    };
    RequestMeta {
        ip: parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone()),
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

/// The value of one cookie on the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    cookie_value(&parts.headers, name)
}

pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers_and_pairs() {
        let mut headers = http::HeaderMap::new();
        headers.append(
            http::header::COOKIE,
            "a=1; paydesk_session=abc".parse().unwrap(),
        );
        headers.append(http::header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(
            cookie_value(&headers, "paydesk_session").as_deref(),
            Some("abc")
        );
        assert_eq!(cookie_value(&headers, "b").as_deref(), Some("2"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }
}
