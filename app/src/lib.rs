//! Paydesk's application: Leptos components, routes and server functions.
//!
//! Compiled twice: with `ssr` into the server binary (services, database,
//! sessions) and with `hydrate` into the browser's wasm bundle (components and
//! server-function clients only). Features are folders: `auth/`, `account/`,
//! `admin/`; shared UI pieces live in `ui/`; server plumbing in `platform/`.

#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod approvals;
pub mod audit_log;
pub mod auth;
pub mod email;
pub mod error;
pub mod funding;
pub mod incentives;
#[cfg(feature = "ssr")]
pub mod integrity;
#[cfg(test)]
mod layers;
pub mod ledger;
pub mod members;
pub mod payout_details;
pub mod payout_fields;
pub mod payout_runs;
pub mod payouts;
pub mod paypal;
pub mod root;
pub mod settings;
pub mod site;
pub mod team;
pub mod ui;
pub mod verification;
pub mod withdrawals;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod platform;

pub use root::{shell, App};
