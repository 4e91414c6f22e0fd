#!/usr/bin/env bash
# `make run`: install what is missing, build the release, serve on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_rust_tools

say "building the release (a few minutes the first time, seconds after)"
cargo leptos build --release

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
exec target/release/paydesk serve "$@"
