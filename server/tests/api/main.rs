//! Integration tests: the real server on port 0, each test with a fresh
//! database (SQLite temp file; PostgreSQL when TEST_DATABASE_URL is set).

mod auth;
mod cli;
mod csrf;
mod helpers;
mod schema;
mod sessions;
mod sqlite_writers;
mod throttling;
