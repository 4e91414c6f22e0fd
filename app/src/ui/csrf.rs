//! The CSRF token every form carries.
//!
//! A double-submit token: the HTTP layer sets a random `paydesk_csrf` cookie
//! and refuses any form-encoded POST whose `csrf_token` field does not match
//! it. A cross-site page can make a browser post a form but can neither read
//! the cookie nor guess the token.

use leptos::prelude::*;

pub const CSRF_COOKIE: &str = "paydesk_csrf";
/// Its name behind HTTPS (see `auth::session::SECURE_COOKIE_NAME`).
pub const SECURE_CSRF_COOKIE: &str = "__Host-paydesk_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name=CSRF_FIELD value=current_token() /> }
}

#[cfg(feature = "ssr")]
fn current_token() -> String {
    use crate::platform::request::CsrfToken;
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<CsrfToken>()
                .map(|token| token.0.clone())
        })
        .unwrap_or_default()
}

/// In the browser the token is the cookie's value: the same one the server
/// rendered, so hydration sees no difference.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn current_token() -> String {
    use wasm_bindgen::JsCast;
    document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|doc| doc.cookie().ok())
        .and_then(|cookies| {
            cookies
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| *name == CSRF_COOKIE || *name == SECURE_CSRF_COOKIE)
                .map(|(_, value)| value.to_owned())
        })
        .unwrap_or_default()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn current_token() -> String {
    String::new()
}

use leptos::server_fn::{
    client::{browser::BrowserClient, Client},
    error::FromServerFnError,
    request::browser::BrowserRequest,
    response::browser::BrowserResponse,
};

/// The client for state-changing server functions. A hydrated `ActionForm`
/// rebuilds the request from the function's arguments, so the form's hidden
/// `csrf_token` field never reaches the server; this client sends the token
/// as the `X-CSRF-Token` header instead, which a cross-site page cannot set.
pub struct CsrfClient;

impl<E, IS, OS> Client<E, IS, OS> for CsrfClient
where
    E: FromServerFnError + Send,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(
        req: Self::Request,
    ) -> impl std::future::Future<Output = Result<Self::Response, E>> + Send {
        let token = current_token();
        if !token.is_empty() {
            req.headers().set(CSRF_HEADER, &token);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl std::future::Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<bytes::Bytes, bytes::Bytes>> + Send + 'static,
                impl futures::Sink<bytes::Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl std::future::Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}
