#!/usr/bin/env bash
# `make test`: every Rust test on SQLite, again on PostgreSQL when
# TEST_DATABASE_URL is set, then the Playwright suite against a freshly built
# release server on a scratch database.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_rust_tools
ensure_chromium
ensure_e2e_deps

say "rustfmt"
cargo fmt --all --check

say "clippy"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings

say "Rust tests on SQLite"
env -u TEST_DATABASE_URL cargo test --workspace --exclude frontend

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Rust integration tests on PostgreSQL ($TEST_DATABASE_URL)"
  cargo test -p server --test api
else
  say "TEST_DATABASE_URL is not set: skipping the PostgreSQL run"
fi

say "building the release for the end-to-end tests"
cargo leptos build --release

say "Playwright end-to-end tests"
(cd end2end && npx playwright test)
