//! Integration tests: the real server on port 0, each test with a fresh
//! database (SQLite temp file; PostgreSQL when TEST_DATABASE_URL is set).

mod audit_log;
mod auth;
mod cli;
mod client;
mod confirmation;
mod csrf;
mod dashboard;
mod email;
mod exports;
mod funding;
mod helpers;
mod hostile_fuzz;
mod hostile_input;
mod http_twins;
mod incentives;
mod ledger_fixture;
mod ledger_operations;
mod ledger_properties;
mod live;
mod member_area;
mod members;
mod on_behalf;
mod payout_fields;
mod payout_runs;
mod payouts_desk;
mod paypal;
mod paypal_payouts;
mod schema;
mod sessions;
mod settings;
mod sqlite_writers;
mod throttling;
mod withdrawal_races;
mod withdrawals;
