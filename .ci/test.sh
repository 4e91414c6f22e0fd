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

# Everything below builds in the `ci` profile (see Cargo.toml): clippy
# shares its proc macros and build scripts with the tests, and the tests'
# build of the `paydesk` binary is the server the end-to-end suite drives.
PROFILE=ci

# cargo-nextest (when installed) ends and names a stuck test instead of
# hanging; see .config/nextest.toml. There are no doctests to lose.
rust_tests() {
  if command -v cargo-nextest >/dev/null; then
    cargo nextest run --cargo-profile "$PROFILE" "$@"
  else
    cargo test --profile "$PROFILE" "$@"
  fi
}

say "rustfmt"
cargo fmt --all --check

say "clippy"
cargo clippy --profile "$PROFILE" --workspace --exclude frontend --all-targets -- -D warnings

say "Rust tests on SQLite"
(unset TEST_DATABASE_URL; rust_tests --workspace --exclude frontend)

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Rust integration tests on PostgreSQL ($TEST_DATABASE_URL)"
  # Same packages and features as above, so nothing is rebuilt.
  rust_tests --workspace --exclude frontend --test api
else
  say "TEST_DATABASE_URL is not set: skipping the PostgreSQL run"
fi

build_site wasm-ci

say "Playwright end-to-end tests"
(cd end2end && PAYDESK_BIN="$CARGO_TARGET_DIR/$PROFILE/paydesk" \
  LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" npx playwright test)
