#!/usr/bin/env bash
# `make run`: install what is missing, build the release, serve on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_rust_tools

say "building the release server (a few minutes the first time, seconds after)"
cargo build --release -p server --bin paydesk
build_site wasm-release optimise

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
exec "$CARGO_TARGET_DIR/release/paydesk" serve "$@"
