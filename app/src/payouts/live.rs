//! The live "requests waiting" badge: a Server-Sent Events stream of the
//! number of requests in status requested, and the sidebar badge that shows
//! it. See `platform::live` for how changes reach every instance.

use leptos::prelude::*;

/// The sidebar badge. Starts from the server-rendered count and follows the
/// stream once the page is hydrated; the browser's EventSource reconnects by
/// itself, and every (re)connection starts with the current count.
#[component]
pub fn RequestedBadge(initial: u64) -> impl IntoView {
    let count = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    follow(count);
    view! {
        <span class="badge count" class:zero=move || count.get() == 0 aria-live="polite">
            <span class="visually-hidden">", "</span>
            {move || count.get()}
            <span class="visually-hidden">" waiting"</span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn follow(count: RwSignal<u64>) {
    use wasm_bindgen::{closure::Closure, JsCast};

    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new(STREAM_PATH) else {
            return;
        };
        let on_count = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(n) = event.data().as_string().and_then(|t| t.parse().ok()) {
                    count.set(n);
                }
            },
        );
        let _ = source.add_event_listener_with_callback(EVENT, on_count.as_ref().unchecked_ref());
        // Closing on cleanup stops the stream when the admin area unmounts;
        // the closure lives exactly as long as the source that calls it.
        let held = send_wrapper::SendWrapper::new((source, on_count));
        on_cleanup(move || held.0.close());
    });
}

/// Where the stream is served, and the name of its events.
pub const STREAM_PATH: &str = "/admin/live/requested";
pub const EVENT: &str = "requested";

/// A stream with one `changed` event per change to withdrawal requests
/// (any status), for pages that show requests to refetch them.
pub const CHANGES_PATH: &str = "/admin/live/changes";
pub const CHANGED: &str = "changed";

/// A number that goes up each time withdrawal requests change, while the
/// page is open and hydrated: put it in a resource's source to refetch.
pub fn use_request_changes() -> ReadSignal<u64> {
    let (changes, set_changes) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        Effect::new(move |_| {
            let Ok(source) = web_sys::EventSource::new(CHANGES_PATH) else {
                return;
            };
            let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |_: web_sys::MessageEvent| set_changes.update(|n| *n += 1),
            );
            let _ = source
                .add_event_listener_with_callback(CHANGED, on_change.as_ref().unchecked_ref());
            let held = send_wrapper::SendWrapper::new((source, on_change));
            on_cleanup(move || held.0.close());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_changes;
    changes
}

#[cfg(feature = "ssr")]
pub use stream::{change_events, requested_events};

#[cfg(feature = "ssr")]
mod stream {
    use super::EVENT;
    use crate::auth::session::{authenticate, cookie_name};
    use crate::platform::{request::cookie_value, AppState};
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::{IntoResponse, Response};
    use std::convert::Infallible;
    use tokio::sync::{broadcast, watch};

    /// `GET /admin/live/requested`: administrators only. Sends the count on
    /// connect and again after every change that alters it.
    pub async fn requested_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
        // Subscribed before the first count, so no change slips between.
        let feed = match Feed::open(state, &headers).await {
            Ok(feed) => feed,
            Err(status) => return status.into_response(),
        };
        // Fused, so a poll after the end is answered rather than a panic.
        let stream =
            futures::StreamExt::fuse(futures::stream::unfold(feed, |mut feed| async move {
                let count = feed.next_count().await?;
                let event = Event::default().event(EVENT).data(count.to_string());
                Some((Ok::<_, Infallible>(event), feed))
            }));
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response()
    }

    /// `GET /admin/live/changes`: administrators only. One `changed` event
    /// after each change; a page that gets one refetches what it shows.
    pub async fn change_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
        let feed = match Feed::open(state, &headers).await {
            Ok(feed) => feed,
            Err(status) => return status.into_response(),
        };
        let stream =
            futures::StreamExt::fuse(futures::stream::unfold(feed, |mut feed| async move {
                feed.wait_for_change().await?;
                admin_session(&feed.state, feed.token.as_deref())
                    .await
                    .ok()?;
                // Not empty: browsers drop an event whose data is empty.
                let event = Event::default().event(super::CHANGED).data("1");
                Some((Ok::<_, Infallible>(event), feed))
            }));
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response()
    }

    async fn admin_session(state: &AppState, token: Option<&str>) -> Result<(), StatusCode> {
        let Some(token) = token else {
            return Err(StatusCode::UNAUTHORIZED);
        };
        match authenticate(state, token).await {
            Ok(Some(user)) if user.can(crate::auth::Permission::Read) => Ok(()),
            Ok(Some(_)) => Err(StatusCode::FORBIDDEN),
            Ok(None) => Err(StatusCode::UNAUTHORIZED),
            Err(err) => {
                tracing::warn!(error = %err.message, "live stream: session check failed");
                Err(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    struct Feed {
        state: AppState,
        token: Option<String>,
        changes: broadcast::Receiver<()>,
        closed: watch::Receiver<bool>,
        last: Option<u64>,
    }

    impl Feed {
        /// An administrator's feed of change notices, subscribed now.
        async fn open(state: AppState, headers: &HeaderMap) -> Result<Feed, StatusCode> {
            let token = cookie_value(headers, cookie_name(&state.settings));
            admin_session(&state, token.as_deref()).await?;
            Ok(Feed {
                changes: state.live.subscribe(),
                closed: state.live.closed(),
                last: None,
                token,
                state,
            })
        }

        /// The next count to send; `None` ends the stream (shutdown, signed
        /// out, or the database failing: the browser reconnects later).
        async fn next_count(&mut self) -> Option<u64> {
            loop {
                if self.last.is_some() {
                    self.wait_for_change().await?;
                    // A session that ended since connecting gets no more.
                    admin_session(&self.state, self.token.as_deref())
                        .await
                        .ok()?;
                }
                let count = match crate::payouts::service::requested_count(&self.state.db).await {
                    Ok(count) => count,
                    Err(err) => {
                        tracing::warn!(error = %err, "live stream: count failed");
                        return None;
                    }
                };
                if self.last != Some(count) {
                    self.last = Some(count);
                    return Some(count);
                }
            }
        }

        async fn wait_for_change(&mut self) -> Option<()> {
            tokio::select! {
                received = self.changes.recv() => match received {
                    Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.closed.wait_for(|closed| *closed) => return None,
            }
            // A burst of changes needs one recount, not one per change.
            while let Ok(()) | Err(broadcast::error::TryRecvError::Lagged(_)) =
                self.changes.try_recv()
            {}
            Some(())
        }
    }
}
