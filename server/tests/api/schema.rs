//! The hand-written entities must match the migrated schema.

use crate::helpers::spawn_app;
use app::entities::*;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Iterable, Statement};
use std::collections::BTreeSet;

async fn table_columns(app: &crate::helpers::TestApp, table: &str) -> BTreeSet<String> {
    let backend = app.state.db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        _ => format!(
            "SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' AND table_schema = current_schema()"
        ),
    };
    app.state
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

fn entity_columns<E: EntityTrait>() -> BTreeSet<String> {
    E::Column::iter()
        .map(|column| sea_orm::IdenStatic::as_str(&column).to_owned())
        .collect()
}

async fn check<E: EntityTrait + Default>(app: &crate::helpers::TestApp) {
    let table = E::default().table_name().to_owned();
    assert_eq!(
        entity_columns::<E>(),
        table_columns(app, &table).await,
        "entity and migrated table {table} differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_match_the_migrated_tables() {
    let app = spawn_app().await;
    check::<user::Entity>(&app).await;
    check::<session::Entity>(&app).await;
    check::<audit_event::Entity>(&app).await;
    check::<asset::Entity>(&app).await;
    check::<conversion_rate::Entity>(&app).await;
    check::<wallet::Entity>(&app).await;
    check::<journal_entry::Entity>(&app).await;
    check::<transfer::Entity>(&app).await;
    check::<withdrawal_request::Entity>(&app).await;
    check::<withdrawal_event::Entity>(&app).await;
    check::<payout_export::Entity>(&app).await;
    check::<incentive::Entity>(&app).await;
    check::<api_key::Entity>(&app).await;
    check::<outbox_message::Entity>(&app).await;
    check::<password_link::Entity>(&app).await;
    check::<idempotency_key::Entity>(&app).await;
    check::<sign_in_attempt::Entity>(&app).await;
    check::<payout_method_rule::Entity>(&app).await;
    check::<paypal_batch::Entity>(&app).await;
    check::<payout_run::Entity>(&app).await;
    check::<payout_run_member::Entity>(&app).await;
    check::<payout_schedule::Entity>(&app).await;
    check::<payout_method_field::Entity>(&app).await;
    check::<paypal_item::Entity>(&app).await;
    check::<paypal_event::Entity>(&app).await;
    check::<setting::Entity>(&app).await;
    check::<payout_detail::Entity>(&app).await;
    check::<identity_verification::Entity>(&app).await;
}

/// The database refuses what the ledger forbids, whoever asks, and `verify`
/// notices when those refusals have been taken away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_keeps_the_ledger_append_only_and_balances_non_negative() {
    let app = spawn_app().await;
    let desk = crate::ledger_fixture::desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 1_000).await;
    let db = &app.state.db;
    let refused = |sql: String| async move {
        let result = db.execute_unprepared(&sql).await;
        assert!(result.is_err(), "the database let this through: {sql}");
    };
    refused("UPDATE transfers SET amount = amount + 1".into()).await;
    refused("DELETE FROM transfers".into()).await;
    refused("UPDATE journal_entries SET memo = 'rewritten'".into()).await;
    refused("DELETE FROM journal_entries".into()).await;
    refused(format!(
        "UPDATE wallets SET balance = -1 WHERE id = {}",
        wallet.id
    ))
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
    crate::ledger_fixture::assert_ledger_clean(&app).await;

    // Someone with a SQL prompt drops a guard: verify says which.
    let drop = match db.get_database_backend() {
        DbBackend::Sqlite => "DROP TRIGGER transfers_no_update",
        _ => "DROP TRIGGER transfers_append_only ON transfers",
    };
    db.execute_unprepared(drop).await.unwrap();
    let report = app::integrity::verify(db).await.unwrap();
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    assert!(
        report.violations[0].contains("guard transfers_"),
        "{:#?}",
        report.violations
    );
}
