//! Make Payment of many incentives in one action: the service against a
//! raw-SQL baseline that makes the same writes (claim the rows, one journal
//! entry, the payer debited once, each member credited once, a transfer per
//! incentive, the entry id on each incentive, one email per member, the
//! audit row, the idempotency key) in one transaction.

use std::time::Instant;

use app::entities::{incentive, user};
use app::incentives::service::{self as incentives, PaymentInput};
use app::ledger::service as ledger;
use app::platform::{db, Clock};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Statement, Value,
};

/// Rows per multi-row statement in the baseline, like the service's.
const BATCH: usize = 500;

async fn approved(
    db: &DatabaseConnection,
    members: &[i64],
    usd_id: i64,
    count: usize,
    tag: &str,
) -> anyhow::Result<Vec<i64>> {
    let now = Clock::System.now();
    let rows: Vec<incentive::ActiveModel> = (0..count)
        .map(|i| incentive::ActiveModel {
            member_user_id: Set(members[i % members.len()]),
            program: Set("SPIFF".into()),
            asset_id: Set(usd_id),
            amount_minor: Set(100),
            description: Set(String::new()),
            source: Set("csv".into()),
            external_id: Set(Some(format!("{tag}-{i}"))),
            status: Set("approved".into()),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        incentive::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(incentive::Entity::find()
        .filter(incentive::Column::ExternalId.like(format!("{tag}-%")))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

fn placeholders(n: usize, width: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(", "));
    vec![row; n].join(", ")
}

/// The writes Make Payment makes, as plain statements.
async fn raw_payment(
    db: &DatabaseConnection,
    ids: &[i64],
    funding_id: i64,
    usd_id: i64,
    admin_id: i64,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let now = Clock::System.now();
    let stmt = |text: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, crate::sql(backend, text), values)
    };
    let txn = db::begin_write(db).await?;
    txn.execute_raw(stmt(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES ('incentives.pay', ?, ?, ?)",
        vec![format!("raw-{funding_id}").into(), "f".repeat(64).into(), now.into()],
    ))
    .await?;
    let mut claimed: Vec<(i64, i64, i64)> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let mut values: Vec<Value> = vec![now.into(), funding_id.into()];
        values.extend(chunk.iter().map(|&id| Value::from(id)));
        let text = format!(
            "UPDATE incentives SET status = 'paid', paid_at = ?, funding_wallet_id = ? \
             WHERE status = 'approved' AND id IN ({}) RETURNING id, member_user_id, amount_minor",
            vec!["?"; chunk.len()].join(", ")
        );
        for row in txn.query_all_raw(stmt(&text, values)).await? {
            claimed.push((
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
            ));
        }
    }
    let total: i64 = claimed.iter().map(|c| c.2).sum();
    let entry: i64 = txn
        .query_one_raw(stmt(
            "INSERT INTO journal_entries (kind, reference, memo, actor_user_id, created_at) VALUES ('incentive_payment', ?, 'bench', ?, ?) RETURNING id",
            vec![format!("incentives:wallet:{funding_id}").into(), admin_id.into(), now.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no entry id"))?
        .try_get_by_index(0)?;
    let debited = txn
        .execute_raw(stmt(
            "UPDATE wallets SET balance = balance - ?, version = version + 1 WHERE id = ? AND balance >= ?",
            vec![total.into(), funding_id.into(), total.into()],
        ))
        .await?;
    anyhow::ensure!(debited.rows_affected() == 1, "the funding wallet is short");
    // Member wallets exist already (made before either run).
    let mut per_member: std::collections::BTreeMap<i64, i64> = Default::default();
    for c in &claimed {
        *per_member.entry(c.1).or_default() += c.2;
    }
    let members: Vec<i64> = per_member.keys().copied().collect();
    let mut wallet_of: std::collections::HashMap<i64, i64> = Default::default();
    for chunk in members.chunks(BATCH) {
        let mut values: Vec<Value> = vec![usd_id.into()];
        values.extend(chunk.iter().map(|&id| Value::from(id)));
        let text = format!(
            "SELECT owner_user_id, id FROM wallets WHERE asset_id = ? AND owner_user_id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        for row in txn.query_all_raw(stmt(&text, values)).await? {
            wallet_of.insert(row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        }
    }
    for (member, amount) in &per_member {
        txn.execute_raw(stmt(
            "UPDATE wallets SET balance = balance + ?, version = version + 1 WHERE id = ?",
            vec![(*amount).into(), wallet_of[member].into()],
        ))
        .await?;
    }
    for chunk in claimed.chunks(BATCH) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (_, member, amount) in chunk {
            values.extend([
                Value::from(entry),
                funding_id.into(),
                wallet_of[member].into(),
                usd_id.into(),
                (*amount).into(),
                now.into(),
            ]);
        }
        let text = format!(
            "INSERT INTO transfers (entry_id, debit_wallet_id, credit_wallet_id, asset_id, amount, created_at) VALUES {}",
            placeholders(chunk.len(), 6)
        );
        txn.execute_raw(stmt(&text, values)).await?;
        let mut values: Vec<Value> = vec![entry.into()];
        values.extend(chunk.iter().map(|c| Value::from(c.0)));
        let text = format!(
            "UPDATE incentives SET paid_entry_id = ? WHERE id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        txn.execute_raw(stmt(&text, values)).await?;
    }
    for chunk in members.chunks(BATCH) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
        for member in chunk {
            values.extend([Value::from(*member), now.into()]);
        }
        let text = format!(
            "INSERT INTO outbox (kind, recipient_user_id, payload, created_at, attempts) VALUES {}",
            vec!["('incentive.paid', ?, '{}', ?, 0)"; chunk.len()].join(", ")
        );
        txn.execute_raw(stmt(&text, values)).await?;
    }
    txn.execute_raw(stmt(
        "INSERT INTO audit_events (occurred_at, actor_user_id, action, subject) VALUES (?, ?, 'incentives_paid', ?)",
        vec![now.into(), admin_id.into(), format!("entry:{entry}").into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        "UPDATE idempotency_keys SET outcome = '{}' WHERE scope = 'incentives.pay' AND key = ?",
        vec![format!("raw-{funding_id}").into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Pays `count` approved incentives for 1,000 members twice: through the
/// service, then through the baseline. Prints both times and their ratio.
pub async fn bench(
    name: &str,
    db: &DatabaseConnection,
    usd_id: i64,
    admin_id: i64,
    count: usize,
) -> anyhow::Result<()> {
    let now = Clock::System.now();
    let hash = app::auth::password::unguessable_hash();
    let people: Vec<user::ActiveModel> = (0..1_000)
        .map(|n| user::ActiveModel {
            email: Set(format!("earner{n}@example.com")),
            display_name: Set(format!("Earner {n}")),
            password_hash: Set(hash.clone()),
            role: Set("member".into()),
            is_active: Set(true),
            is_verified: Set(false),
            created_at: Set(now),
            email_confirmed_at: Set(Some(now)),
            ..Default::default()
        })
        .collect();
    for chunk in people.chunks(BATCH) {
        user::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let members: Vec<i64> = user::Entity::find()
        .filter(user::Column::Email.like("earner%"))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let service_ids = approved(db, &members, usd_id, count, "svc").await?;
    let raw_ids = approved(db, &members, usd_id, count, "raw").await?;
    let txn = db::begin_write(db).await?;
    ledger::member_wallets(&txn, now, &members, usd_id).await?;
    let mut funding = Vec::new();
    for label in ["service", "raw"] {
        let wallet =
            ledger::create_funding_wallet(&txn, now, &format!("Bench {label}"), usd_id).await?;
        ledger::record_deposit(&txn, now, &wallet, 100 * count as i64, None, None).await?;
        funding.push(wallet.id);
    }
    txn.commit().await?;

    let started = Instant::now();
    let outcome = incentives::make_payment(
        db,
        &Clock::System,
        admin_id,
        &PaymentInput {
            ids: service_ids,
            funding_wallet_id: funding[0],
            description: "bench".into(),
            idempotency_key: "bench-service".into(),
        },
        None,
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))?;
    let service = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        outcome.paid.len() == count,
        "the service paid {}",
        outcome.paid.len()
    );

    let started = Instant::now();
    raw_payment(db, &raw_ids, funding[1], usd_id, admin_id).await?;
    let raw = started.elapsed().as_secs_f64();

    println!(
        "{name:<10} make payment of {count} incentives: service {:>7.0} ms",
        service * 1000.0
    );
    println!("{name:<10} make payment of {count} incentives: raw SQL {:>7.0} ms   (same writes, one transaction)", raw * 1000.0);
    println!("{name:<10} ratio    {:>9.2}   (raw SQL time / service time: 1.00 = as fast as hand-written SQL)", raw / service);
    Ok(())
}
