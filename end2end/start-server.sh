#!/usr/bin/env bash
# Starts the server (PAYDESK_BIN, the release build by default) for the end-to-end tests on a scratch database,
# filled by `paydesk demo`, with one more administrator made by
# `paydesk create-admin`, `paydesk mail-catcher` as its SMTP server (the
# tests read the emails it caught over HTTP), and `paydesk paypal-fake` as
# its PayPal (the tests tell it how items end, and the poller picks it up).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
scratch="$PWD/.e2e"
rm -rf "$scratch"
mkdir -p "$scratch"

# E2E_DATABASE_URL runs the suite on another database, e.g. an empty
# PostgreSQL database; the default is a scratch SQLite file.
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$scratch/e2e.db?mode=rwc}"
# The data key lives with the scratch database (made on first start).
export PAYDESK_SECRET_KEY_FILE="$scratch/paydesk.key"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
export LEPTOS_ENV=PROD
export PAYDESK_ADDR="127.0.0.1:${E2E_PORT:-3210}"
export RUST_LOG="${RUST_LOG:-warn}"
bin="${PAYDESK_BIN:-$root/target/release/paydesk}"
smtp="127.0.0.1:${E2E_SMTP_PORT:-3225}"
export PAYDESK_SMTP_URL="smtp://$smtp"
export PAYDESK_PUBLIC_URL="http://$PAYDESK_ADDR"

paypal="127.0.0.1:${E2E_PAYPAL_PORT:-3227}"
export PAYDESK_PAYPAL_BASE_URL="http://$paypal"
export PAYDESK_PAYPAL_CLIENT_ID="fake-client-id"
export PAYDESK_PAYPAL_CLIENT_SECRET="fake-client-secret"
export PAYDESK_PAYPAL_POLL_SECONDS=1
# Every test signs its members up from this one address.
export PAYDESK_ACCOUNT_REQUESTS_PER_ADDRESS=100000

"$bin" mail-catcher --smtp "$smtp" --http "127.0.0.1:${E2E_MAIL_PORT:-3226}" &
catcher=$!
"$bin" paypal-fake --addr "$paypal" &
fake_paypal=$!
trap 'kill "$catcher" "$fake_paypal" ${server:+"$server"} 2>/dev/null' EXIT
trap 'exit 143' TERM INT

"$bin" migrate
# The demo desk: currencies, a point type with its rate, methods with fees,
# a verification threshold, and demo members. Tests make their own members.
"$bin" demo >/dev/null
printf '%s\n' "${E2E_ADMIN_PASSWORD:-e2e admin passphrase}" |
  "$bin" create-admin --email "${E2E_ADMIN_EMAIL:-admin@paydesk.test}" --name "E2E Admin" --password-stdin
# Stops when Playwright stops it (the trap ends the catcher too).
"$bin" serve &
server=$!
wait "$server"
