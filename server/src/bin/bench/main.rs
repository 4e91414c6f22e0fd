//! `cargo run --release -p server --bin bench`: withdrawal requests per
//! second through the service layer, 32 members at once, against a raw-SQL
//! baseline that makes the same writes in the same transactions; then one
//! Make Payment of 10,000 incentives against the same kind of baseline
//! (`incentives.rs`). On SQLite and (with --postgres-url or
//! TEST_DATABASE_URL) on PostgreSQL. Prints both and their ratio: absolute
//! figures depend on the machine, the ratio much less.

mod incentives;

use std::sync::Arc;
use std::time::Instant;

use app::auth::{service as auth, Role};
use app::ledger::money::AssetKind;
use app::ledger::service as ledger;
use app::payout_details::{method::PayoutMethod, service as payout_details, DetailsInput};
use app::platform::{db, Clock};
use app::withdrawals::{
    rules,
    service::{self as withdrawals, AmountRequest, NewWithdrawal},
};
use clap::Parser;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

#[derive(Parser)]
struct Args {
    /// Concurrent members, each requesting in its own task.
    #[arg(long, default_value_t = 32)]
    members: usize,
    /// Requests per member and mode.
    #[arg(long, default_value_t = 40)]
    requests: usize,
    /// Incentives paid in the one Make Payment.
    #[arg(long, default_value_t = 10_000)]
    incentives: usize,
    /// A PostgreSQL server to benchmark too (a scratch database is created and dropped).
    #[arg(long, env = "TEST_DATABASE_URL")]
    postgres_url: Option<String>,
}

struct Setup {
    db: DatabaseConnection,
    members: Vec<(i64, i64)>,
    usd_id: i64,
}

async fn setup(url: &str, members: usize) -> anyhow::Result<Setup> {
    let db = paydesk_server::startup::connect_and_migrate(url).await?;
    let now = Clock::System.now();
    let txn = db::begin_write(&db).await?;
    let usd = ledger::ensure_asset(&txn, now, "USD", AssetKind::Currency, 2, "US dollar").await?;
    rules::enable_default_methods(&txn, usd.id, 2).await?;
    txn.commit().await?;
    let mut wallets = Vec::new();
    for index in 0..members {
        let email = format!("bench{index}@example.com");
        let user = auth::create_account(
            &db,
            now,
            auth::NewUser {
                email: &email,
                display_name: "Bench",
                password: "bench passphrase",
                role: Role::Member,
                team_role: None,
            },
            "bench",
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
        let txn = db::begin_write(&db).await?;
        let wallet = ledger::member_wallet(&txn, now, user.id, usd.id).await?;
        ledger::adjust_member(&txn, now, &wallet, 1_000_000_000, "bench", None).await?;
        txn.commit().await?;
        payout_details::save(
            &db,
            &Clock::System,
            user.id,
            PayoutMethod::Paypal,
            &DetailsInput {
                email: email.clone(),
                ..DetailsInput::default()
            },
            true,
            None,
        )
        .await?;
        wallets.push((user.id, wallet.id));
    }
    Ok(Setup {
        db,
        members: wallets,
        usd_id: usd.id,
    })
}

async fn run_concurrently<F, Fut>(setup: &Setup, requests: usize, work: F) -> anyhow::Result<f64>
where
    F: Fn(DatabaseConnection, i64, i64, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let tasks: Vec<_> = setup
        .members
        .iter()
        .map(|&(user_id, wallet_id)| {
            let (db, work) = (setup.db.clone(), work.clone());
            tokio::spawn(async move {
                for round in 0..requests {
                    work(db.clone(), user_id, wallet_id, round).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let total = (setup.members.len() * requests) as u32;
    Ok(f64::from(total) / started.elapsed().as_secs_f64())
}

/// `?` placeholders, numbered for PostgreSQL.
fn sql(backend: DbBackend, text: &str) -> String {
    if backend != DbBackend::Postgres {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut n = 0;
    for ch in text.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// The writes a withdrawal request makes, as plain statements in one write transaction.
async fn raw_request(
    db: DatabaseConnection,
    user_id: i64,
    wallet_id: i64,
    round: usize,
    usd_id: i64,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let now = Clock::System.now();
    let stmt = |text: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, sql(backend, text), values)
    };
    let txn = db::begin_write(&db).await?;
    let scope = format!("user:{user_id}");
    let key = format!("raw-{round}");
    txn.execute_raw(stmt(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
        vec![
            scope.clone().into(),
            key.clone().into(),
            "f".repeat(64).into(),
            now.into(),
        ],
    ))
    .await?;
    txn.query_one_raw(stmt(
        "SELECT balance FROM wallets WHERE id = ?",
        vec![wallet_id.into()],
    ))
    .await?;
    let details = txn
        .query_one_raw(stmt(
            "SELECT masked, details FROM payout_details WHERE user_id = ? AND method = 'paypal'",
            vec![user_id.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no payout details"))?;
    let masked: String = details.try_get_by_index(0)?;
    let snapshot: String = details.try_get_by_index(1)?;
    let request = txn
        .query_one_raw(stmt(
            "INSERT INTO withdrawal_requests (member_user_id, wallet_id, method, amount, currency_asset_id, gross_minor, fee_minor, net_minor, status, payout_masked, payout_details, created_at, updated_at) \
             VALUES (?, ?, 'paypal', 100, ?, 100, 0, 100, 'requested', ?, ?, ?, ?) RETURNING id",
            vec![
                user_id.into(),
                wallet_id.into(),
                usd_id.into(),
                masked.into(),
                snapshot.into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no id"))?;
    let request_id: i64 = request.try_get_by_index(0)?;
    let entry = txn
        .query_one_raw(stmt(
            "INSERT INTO journal_entries (kind, reference, actor_user_id, created_at) VALUES ('withdrawal_hold', ?, ?, ?) RETURNING id",
            vec![format!("withdrawal:{request_id}").into(), user_id.into(), now.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no id"))?;
    let entry_id: i64 = entry.try_get_by_index(0)?;
    let debited = txn
        .execute_raw(stmt(
            "UPDATE wallets SET balance = balance - ?, version = version + 1 WHERE id = ? AND balance >= ?",
            vec![100i64.into(), wallet_id.into(), 100i64.into()],
        ))
        .await?;
    anyhow::ensure!(
        debited.rows_affected() == 1,
        "insufficient funds in the baseline"
    );
    // The in-flight wallet exists after the service run; its id is looked up like the service does.
    let in_flight = txn
        .query_one_raw(stmt(
            "SELECT id FROM wallets WHERE system_role = 'in_flight' AND asset_id = ?",
            vec![usd_id.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no in-flight wallet"))?;
    let in_flight_id: i64 = in_flight.try_get_by_index(0)?;
    txn.execute_raw(stmt(
        "INSERT INTO transfers (entry_id, debit_wallet_id, credit_wallet_id, asset_id, amount, created_at) VALUES (?, ?, ?, ?, 100, ?)",
        vec![entry_id.into(), wallet_id.into(), in_flight_id.into(), usd_id.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        "INSERT INTO withdrawal_events (request_id, actor_user_id, occurred_at, to_status) VALUES (?, ?, ?, 'requested')",
        vec![request_id.into(), user_id.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        "INSERT INTO audit_events (occurred_at, actor_user_id, action, subject) VALUES (?, ?, 'withdrawal_requested', ?)",
        vec![now.into(), user_id.into(), format!("withdrawal:{request_id}").into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        "INSERT INTO outbox (kind, recipient_user_id, payload, created_at, attempts) VALUES ('withdrawal.requested', ?, '{}', ?, 0)",
        vec![user_id.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        "UPDATE idempotency_keys SET outcome = ? WHERE scope = ? AND key = ?",
        vec![request_id.to_string().into(), scope.into(), key.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn bench(name: &str, url: &str, args: &Args) -> anyhow::Result<()> {
    let setup = setup(url, args.members).await?;
    let service = run_concurrently(
        &setup,
        args.requests,
        |db, user_id, wallet_id, round| async move {
            withdrawals::request_withdrawal(
                &db,
                &Clock::System,
                NewWithdrawal {
                    member_user_id: user_id,
                    wallet_id,
                    method: "paypal",
                    amount: AmountRequest::Exact("1.00".into()),
                    idempotency_key: &format!("svc-{round}"),
                },
            )
            .await
            .map(|_| ())
            .map_err(|err| anyhow::anyhow!("{err}"))
        },
    )
    .await?;
    let usd_id = setup.usd_id;
    let raw = run_concurrently(
        &setup,
        args.requests,
        move |db, user_id, wallet_id, round| raw_request(db, user_id, wallet_id, round, usd_id),
    )
    .await?;
    let report = app::integrity::verify(&setup.db).await?;
    println!("{name:<10} service  {service:>9.0} requests/s");
    println!("{name:<10} raw SQL  {raw:>9.0} requests/s   (same writes, same transactions)");
    println!(
        "{name:<10} ratio    {:>9.2}   (service / raw SQL; {} members x {} requests each)",
        service / raw,
        args.members,
        args.requests
    );
    // The raw baseline writes no matching hold for verify's bookkeeping of
    // request amounts, so only the balance invariants are meaningful here.
    let balance_violations = report
        .violations
        .iter()
        .filter(|v| v.contains("wallet"))
        .count();
    println!(
        "{name:<10} ledger balances after the run: {}",
        if balance_violations == 0 {
            "consistent"
        } else {
            "INCONSISTENT"
        }
    );
    anyhow::ensure!(
        balance_violations == 0,
        "ledger inconsistent after the benchmark: {:?}",
        report.violations
    );

    let admin = auth::create_account(
        &setup.db,
        Clock::System.now(),
        auth::NewUser {
            email: "bench-admin@example.com",
            display_name: "Bench admin",
            password: "bench admin passphrase",
            role: Role::Admin,
            team_role: Some(app::auth::TeamRole::Owner),
        },
        "bench",
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))?;
    incentives::bench(name, &setup.db, setup.usd_id, admin.id, args.incentives).await?;
    let report = app::integrity::verify(&setup.db).await?;
    let balance_violations = report
        .violations
        .iter()
        .filter(|v| v.contains("wallet"))
        .count();
    anyhow::ensure!(
        balance_violations == 0,
        "ledger inconsistent after the incentive payments: {:?}",
        report.violations
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile_dir()?;
    let sqlite_url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
    let result = bench("sqlite", &sqlite_url, &args).await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;

    match &args.postgres_url {
        Some(admin_url) => {
            let name = format!("paydesk_bench_{}", std::process::id());
            let admin = sea_orm::Database::connect(admin_url).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(base, _)| base);
            let result = bench("postgres", &format!("{base}/{name}"), &args).await;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await?;
            result?;
        }
        None => println!("postgres   skipped (set TEST_DATABASE_URL or pass --postgres-url)"),
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("paydesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
