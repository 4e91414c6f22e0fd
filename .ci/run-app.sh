#!/usr/bin/env bash
# `make run`: install what is missing, build, serve on SQLite.
# `make release` (MODE=release): the deployable build, served the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_rust_tools

MODE="${MODE:-run}"
case "$MODE" in
  run)
    # The build `make test` makes too (see Cargo.toml), incremental so a
    # one-line change rebuilds in seconds; the wasm is served as
    # wasm-bindgen writes it.
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-1}"
    server_profile=ci
    say "building the server (profile ci; minutes the first time, seconds after an edit)"
    cargo build --profile ci -p server --bin paydesk
    build_site wasm-ci
    ;;
  release)
    ensure_wasm_opt
    server_profile=release
    say "building the release server (one codegen unit, thin LTO: slow, once)"
    cargo build --release -p server --bin paydesk
    build_site wasm-release optimise
    ;;
  *)
    echo "MODE must be run or release, not $MODE" >&2
    exit 2
    ;;
esac

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
say "serving $CARGO_TARGET_DIR/$server_profile/paydesk; make the first admin with: $CARGO_TARGET_DIR/$server_profile/paydesk create-admin --email you@example.com"
exec "$CARGO_TARGET_DIR/$server_profile/paydesk" serve "$@"
