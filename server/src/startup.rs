//! Building the application: state, router, listener, shutdown.

use axum::{extract::State, http::StatusCode, routing::get, Router};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::{sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

use app::platform::{db, AppState, Clock, Settings};
use app::{shell, App};

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = db::connect(database_url)
        .await
        .map_err(|err| anyhow::anyhow!("cannot open the database: {err}"))?;
    Migrator::up(&db, None)
        .await
        .map_err(|err| anyhow::anyhow!("cannot apply migrations: {err}"))?;
    Ok(db)
}

/// Leptos options from the environment cargo-leptos sets (or baked in at
/// build time), with production defaults where it leaves them unset.
pub fn leptos_options() -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("paydesk").build());
    if options.output_name.is_empty() {
        options.output_name = "paydesk".into();
    }
    if std::env::var_os("LEPTOS_ENV").is_none() {
        options.env = leptos::config::Env::PROD;
    }
    options
}

pub fn app_state(
    db: DatabaseConnection,
    settings: Settings,
    clock: Clock,
    leptos_options: LeptosOptions,
) -> AppState {
    let mut features = axum::http::Extensions::new();
    if let Some(paypal) = settings.paypal.as_ref().and_then(|paypal| {
        app::paypal::client::PayPalClient::new(paypal.api.clone(), paypal.timeout)
            .map(Arc::new)
            .inspect_err(|err| tracing::error!(error = %err, "cannot set up the PayPal client"))
            .ok()
    }) {
        features.insert(paypal);
    }
    let limits = Arc::new(app::platform::limits::Limits::new(
        settings.api_requests_per_minute,
        settings.webhook_requests_per_minute,
    ));
    AppState {
        limits,
        db,
        settings: Arc::new(settings),
        clock,
        leptos_options,
        live: app::platform::live::Live::new(),
        features: Arc::new(features),
    }
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            app::payouts::live::STREAM_PATH,
            get(app::payouts::live::requested_events),
        )
        .route(
            app::payouts::live::CHANGES_PATH,
            get(app::payouts::live::change_events),
        )
        .route(
            app::payouts::export::EXPORT_PATH,
            axum::routing::post(app::payouts::export_handler::export_requests),
        )
        .route(
            "/admin/payouts/files/{id}/download",
            get(app::payouts::payment_files::reading::download),
        )
        .route(
            app::incentives::api_v1::INCENTIVES_PATH,
            axum::routing::post(app::incentives::api_v1::post_incentives),
        )
        .route(
            app::incentives::api_v1::INCENTIVE_PATH,
            get(app::incentives::api_v1::get_incentive),
        )
        .route(
            app::paypal::webhook::WEBHOOK_PATH,
            axum::routing::post(app::paypal::webhook::receive),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::server_fn_status,
        ))
        .layer(axum::middleware::from_fn(crate::http::input_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::client_ip,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::security_headers,
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    app::auth::password::prepare();
    let mailer = app::email::mailer::Mailer::from_settings(&state.settings.mail)?;
    let (stop_postman, postman_stop) = tokio::sync::watch::channel(false);
    let postman = match mailer {
        Some(mailer) => Some(tokio::spawn(app::email::worker::run(
            state.db.clone(),
            state.clock.clone(),
            state.settings.mail.clone(),
            mailer,
            postman_stop,
        ))),
        None => {
            tracing::warn!(
                "no SMTP server configured (PAYDESK_SMTP_URL): emails wait in the outbox"
            );
            None
        }
    };
    let (stop_poller, poller_stop) = tokio::sync::watch::channel(false);
    let poller = match (app::paypal::client::shared(&state), &state.settings.paypal) {
        (Some(client), Some(settings)) => {
            tracing::info!(mode = %settings.mode, "PayPal payouts on");
            Some(tokio::spawn(app::paypal::sync::run(
                state.db.clone(),
                state.clock.clone(),
                client.clone(),
                settings.poll_every,
                state.live.clone(),
                poller_stop,
            )))
        }
        _ => None,
    };
    let (stop_scheduler, scheduler_stop) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(app::payout_runs::schedule::run(
        state.db.clone(),
        state.clock.clone(),
        state.settings.schedule_every,
        state.live.clone(),
        scheduler_stop,
    ));
    let janitor = tokio::spawn(purge_sessions_periodically(state.clone()));
    state.live.spawn_listener(&state.db);
    let live = state.live.clone();
    // Live streams never end on their own: close them once shutdown starts,
    // or the graceful shutdown would wait for them.
    let shutdown = async move {
        shutdown.await;
        live.close();
    };
    let live = state.live.clone();
    let mail_wait = state.settings.mail.smtp_timeout * 8;
    let app = router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    janitor.abort();
    // A scheduled run stopped halfway is finished by the next pass (of any
    // instance): each member's request is its own transaction.
    let _ = stop_scheduler.send(true);
    let mut scheduler = scheduler;
    if tokio::time::timeout(Duration::from_secs(30), &mut scheduler)
        .await
        .is_err()
    {
        scheduler.abort();
    }
    // The poller finishes the batch it is reading: each item's change is
    // its own transaction, so stopping between them loses nothing.
    let _ = stop_poller.send(true);
    if let Some(mut poller) = poller {
        if tokio::time::timeout(Duration::from_secs(30), &mut poller)
            .await
            .is_err()
        {
            poller.abort();
        }
    }
    // The email worker finishes the pass under way, so what it sent is
    // recorded as sent; a stuck SMTP exchange is bounded by its timeouts.
    let _ = stop_postman.send(true);
    if let Some(mut postman) = postman {
        if tokio::time::timeout(mail_wait, &mut postman).await.is_err() {
            postman.abort();
        }
    }
    // Ends the PostgreSQL LISTEN relay too (and any stream still open).
    live.close();
    served.map_err(Into::into)
}

async fn purge_sessions_periodically(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        match app::auth::session::purge_expired_sessions(&state).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "expired sessions removed"),
            Err(err) => tracing::warn!(error = %err, "could not remove expired sessions"),
        }
        // Sign-in attempts older than any throttle looks back.
        if let Err(err) = app::auth::throttle::purge(&state.db, state.clock.now()).await {
            tracing::warn!(error = %err, "could not remove old sign-in attempts");
        }
        if let Err(err) = app::auth::links::purge_reset_requests(&state.db, state.clock.now()).await
        {
            tracing::warn!(error = %err, "could not remove old password reset requests");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
///
/// The handlers are registered when this is called, not when the future is
/// first polled: a signal that arrives between "listening" being printed and
/// the server's first poll must shut down gracefully, not kill the process.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let (mut interrupt, mut terminate) = match (interrupt, terminate) {
                (Ok(interrupt), Ok(terminate)) => (interrupt, terminate),
                (Err(err), _) | (_, Err(err)) => {
                    tracing::warn!(error = %err, "cannot listen for Ctrl-C or SIGTERM");
                    std::future::pending::<()>().await;
                    unreachable!("pending never resolves")
                }
            };
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
