//! The document shell and the router: the one place that names every page.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use crate::account::{statement::StatementView, AccountLayout, AccountOverview};
use crate::admin::pages::{AdminDashboard, AdminLayout};
use crate::approvals::pages::ApprovalsPage;
use crate::audit_log::pages::AuditLogPage;
use crate::auth::sessions_pages::SessionsPage;
use crate::auth::{
    context::provide_session,
    pages::{ConfirmEmailPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage},
    two_factor_pages::LoginCodePage,
};
use crate::email::pages::EmailOutboxPage;
use crate::funding::pages::FundingWalletsPage;
use crate::incentives::pages::IncentivesPage;
use crate::members::pages::{MemberPage, MembersPage};
use crate::payout_details::pages::PayoutDetailsPage;
use crate::payout_runs::pages::PayoutRunsPage;
use crate::payouts::{
    files_pages::{ExportsPage, PaymentFilePage},
    pages::PayoutsPage,
    process::ProcessPage,
};
use crate::settings::pages::SettingsPage;
use crate::site::{header::Header, landing::Landing};
use crate::team::pages::TeamPage;
use crate::ui::NotFound;
use crate::verification::pages::VerificationPage;
use crate::withdrawals::pages::WithdrawalsPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy: scripts only from this origin or
/// carrying this response's nonce (Leptos puts it on the hydration script
/// and on every script it writes into the page), WebAssembly allowed to
/// compile, nothing inline otherwise, no plugins, no framing, forms and
/// connections to this origin only. Set on the rendered pages; API answers
/// are JSON and run nothing.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // End-to-end tests wait for this instead of for a fixed time.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/paydesk.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title text="Paydesk" />
        <Router>
            <Site />
        </Router>
    }
}

/// Everything inside the router.
#[component]
fn Site() -> impl IntoView {
    provide_session();

    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <Header />
        <main id="main" tabindex="-1">
            <Routes fallback=NotFound>
                // Every route renders in Async mode: the page is sent once
                // its data has loaded, so it is complete HTML without
                // JavaScript (out-of-order streaming fills suspended parts
                // in with a script), and a guard can still redirect before
                // the first byte is sent.
                <Route path=path!("") view=Landing ssr=SsrMode::Async />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/login/code") view=LoginCodePage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async />
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async />
                <Route path=path!("/confirm-email") view=ConfirmEmailPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/account") view=AccountLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=AccountOverview />
                    <Route path=path!("/withdrawals") view=WithdrawalsPage />
                    <Route path=path!("/statement") view=StatementView />
                    <Route path=path!("/payout-details") view=PayoutDetailsPage />
                    <Route path=path!("/verification") view=VerificationPage />
                    <Route path=path!("/sessions") view=SessionsPage />
                </ParentRoute>
                <ParentRoute path=path!("/admin") view=AdminLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=AdminDashboard />
                    <Route path=path!("/payouts") view=PayoutsPage />
                    <Route path=path!("/payouts/runs") view=PayoutRunsPage />
                    <Route path=path!("/payouts/files") view=ExportsPage />
                    <Route path=path!("/payouts/files/:id") view=PaymentFilePage />
                    <Route path=path!("/payouts/:id") view=ProcessPage />
                    <Route path=path!("/audit") view=AuditLogPage />
                    <Route path=path!("/wallets") view=FundingWalletsPage />
                    <Route path=path!("/members") view=MembersPage />
                    <Route path=path!("/members/:id") view=MemberPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/incentives") view=IncentivesPage />
                    <Route path=path!("/email") view=EmailOutboxPage />
                    <Route path=path!("/team") view=TeamPage />
                    <Route path=path!("/approvals") view=ApprovalsPage />
                    <Route path=path!("/sessions") view=SessionsPage />
                </ParentRoute>
            </Routes>
        </main>
    }
}
