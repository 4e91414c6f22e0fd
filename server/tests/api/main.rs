//! Integration tests: the real server on port 0, each test with a fresh
//! database (SQLite temp file; PostgreSQL when TEST_DATABASE_URL is set).

mod auth;
mod cli;
mod csrf;
mod dashboard;
mod exports;
mod helpers;
mod ledger_fixture;
mod ledger_operations;
mod ledger_properties;
mod live;
mod member_area;
mod payouts_desk;
mod schema;
mod sessions;
mod sqlite_writers;
mod throttling;
mod withdrawal_races;
mod withdrawals;
