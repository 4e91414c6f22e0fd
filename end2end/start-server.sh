#!/usr/bin/env bash
# Starts the release server for the end-to-end tests on a scratch database,
# filled by `paydesk demo`, with one more administrator made by
# `paydesk create-admin`.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
scratch="$PWD/.e2e"
rm -rf "$scratch"
mkdir -p "$scratch"

# E2E_DATABASE_URL runs the suite on another database, e.g. an empty
# PostgreSQL database; the default is a scratch SQLite file.
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$scratch/e2e.db?mode=rwc}"
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_ENV=PROD
export PAYDESK_ADDR="127.0.0.1:${E2E_PORT:-3210}"
export RUST_LOG="${RUST_LOG:-warn}"
bin="$root/target/release/paydesk"

"$bin" migrate
# The demo desk: currencies, a point type with its rate, methods with fees,
# a verification threshold, and demo members. Tests make their own members.
"$bin" demo >/dev/null
printf '%s\n' "${E2E_ADMIN_PASSWORD:-e2e admin passphrase}" |
  "$bin" create-admin --email "${E2E_ADMIN_EMAIL:-admin@paydesk.test}" --name "E2E Admin" --password-stdin
exec "$bin" serve
