//! `paydesk verify`: proves the ledger's invariants against the database.
//!
//! 1. Every cached balance equals the sum of its wallet's transfers.
//! 2. Every asset sums to zero over all wallets.
//! 3. No member or funding wallet is negative.
//! 4. Every transfer moves one asset between wallets of that asset.
//! 5. Every withdrawal request was held exactly once, and what is still in
//!    flight for it is its amount while it is open and nothing once closed.
//! 6. An incentive names the journal entry that paid it exactly when it is
//!    paid, and each Make Payment entry moved exactly the incentives that
//!    name it: one transfer each, the same total.
//! 7. Every paid (or since returned) request was settled exactly once, and
//!    every closed one was credited back or returned exactly once.
//! 8. No PayPal report contradicts a settled request unresolved (an open
//!    alert), and a request carries a PayPal recovery entry exactly when
//!    an admin resolved its alert by taking the money back.
//! 9. The database still refuses to change or delete transfers and journal
//!    entries and to take a wallet below zero (its triggers and constraint
//!    are in place: someone with a SQL prompt may have dropped them).

use migration::m20261201_000012_ledger_guards as guards;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ledger::service::EntryKind;
use crate::withdrawals::status::WithdrawalStatus;

#[derive(Debug, Default)]
pub struct VerifyReport {
    pub wallets: usize,
    pub transfers: i64,
    pub assets: usize,
    pub requests: usize,
    pub violations: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

#[derive(FromQueryResult)]
struct WalletRow {
    id: i64,
    kind: String,
    asset_id: i64,
    system_role: Option<String>,
    balance: i64,
    derived: i64,
}

#[derive(FromQueryResult)]
struct CountRow {
    n: i64,
}

#[derive(FromQueryResult)]
struct IdRow {
    id: i64,
}

#[derive(FromQueryResult)]
struct NameRow {
    name: String,
}

#[derive(FromQueryResult)]
struct HoldRow {
    reference: String,
    entry_id: i64,
    kind: String,
    debit_wallet_id: i64,
    credit_wallet_id: i64,
    amount: i64,
}

#[derive(FromQueryResult)]
struct PaymentRow {
    entry_id: i64,
    moved: i64,
    owed: i64,
    legs: i64,
    paid: i64,
}

#[derive(FromQueryResult)]
struct RequestRow {
    id: i64,
    status: String,
    amount: i64,
}

async fn all<T: FromQueryResult>(conn: &impl ConnectionTrait, sql: &str) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(Statement::from_string(
        conn.get_database_backend(),
        sql.to_owned(),
    ))
    .all(conn)
    .await
}

pub async fn verify(conn: &impl ConnectionTrait) -> Result<VerifyReport, DbErr> {
    let mut report = VerifyReport::default();

    // SUM over BIGINT is NUMERIC on PostgreSQL: cast back so both backends agree.
    let wallets: Vec<WalletRow> = all(
        conn,
        "SELECT w.id, w.kind, w.asset_id, w.system_role, w.balance, \
           CAST(COALESCE((SELECT SUM(t.amount) FROM transfers t WHERE t.credit_wallet_id = w.id), 0) AS BIGINT) \
         - CAST(COALESCE((SELECT SUM(t.amount) FROM transfers t WHERE t.debit_wallet_id = w.id), 0) AS BIGINT) AS derived \
         FROM wallets w ORDER BY w.id",
    )
    .await?;
    report.wallets = wallets.len();
    let mut per_asset: BTreeMap<i64, i64> = BTreeMap::new();
    for wallet in &wallets {
        *per_asset.entry(wallet.asset_id).or_default() += wallet.derived;
        let cached = wallet.kind != "system";
        if cached && wallet.balance != wallet.derived {
            report.violations.push(format!(
                "wallet {} caches balance {} but its transfers sum to {}",
                wallet.id, wallet.balance, wallet.derived
            ));
        }
        if cached && (wallet.balance < 0 || wallet.derived < 0) {
            report.violations.push(format!(
                "{} wallet {} is negative ({})",
                wallet.kind, wallet.id, wallet.derived
            ));
        }
    }
    report.assets = per_asset.len();
    for (asset_id, sum) in &per_asset {
        if *sum != 0 {
            report.violations.push(format!(
                "asset {asset_id} sums to {sum} over all wallets, not 0"
            ));
        }
    }

    let transfers: Vec<CountRow> = all(conn, "SELECT COUNT(*) AS n FROM transfers").await?;
    report.transfers = transfers.first().map_or(0, |row| row.n);
    let mismatched: Vec<CountRow> = all(
        conn,
        "SELECT COUNT(*) AS n FROM transfers t \
         JOIN wallets d ON d.id = t.debit_wallet_id JOIN wallets c ON c.id = t.credit_wallet_id \
         WHERE d.asset_id <> t.asset_id OR c.asset_id <> t.asset_id OR t.amount <= 0",
    )
    .await?;
    if let Some(row) = mismatched.first().filter(|row| row.n > 0) {
        report
            .violations
            .push(format!("{} transfers mix assets or move no value", row.n));
    }

    let in_flight: HashSet<i64> = wallets
        .iter()
        .filter(|w| w.system_role.as_deref() == Some("in_flight"))
        .map(|w| w.id)
        .collect();
    let legs: Vec<HoldRow> = all(
        conn,
        "SELECT e.reference, e.id AS entry_id, e.kind, t.debit_wallet_id, t.credit_wallet_id, t.amount \
         FROM transfers t JOIN journal_entries e ON e.id = t.entry_id \
         WHERE e.reference LIKE 'withdrawal:%'",
    )
    .await?;
    let mut held: HashMap<String, i64> = HashMap::new();
    // Per request and entry kind, the entries that moved its money.
    let mut entries: HashMap<(String, String), HashSet<i64>> = HashMap::new();
    for leg in &legs {
        let flow = if in_flight.contains(&leg.credit_wallet_id) {
            leg.amount
        } else if in_flight.contains(&leg.debit_wallet_id) {
            -leg.amount
        } else {
            0
        };
        *held.entry(leg.reference.clone()).or_default() += flow;
        entries
            .entry((leg.reference.clone(), leg.kind.clone()))
            .or_default()
            .insert(leg.entry_id);
    }
    let entries_of = |reference: &str, kind: EntryKind| {
        entries
            .get(&(reference.to_owned(), kind.as_str().to_owned()))
            .map_or(0, HashSet::len)
    };
    let requests: Vec<RequestRow> = all(
        conn,
        "SELECT id, status, amount FROM withdrawal_requests ORDER BY id",
    )
    .await?;
    let recovered: HashSet<i64> = all::<IdRow>(
        conn,
        "SELECT request_id AS id FROM paypal_alerts WHERE resolution = 'recover'",
    )
    .await?
    .into_iter()
    .map(|row| row.id)
    .collect();
    report.requests = requests.len();
    for request in &requests {
        let reference = format!("withdrawal:{}", request.id);
        let hold_count = entries_of(&reference, EntryKind::WithdrawalHold);
        if hold_count != 1 {
            report.violations.push(format!(
                "withdrawal {} was held {hold_count} times, not once",
                request.id
            ));
        }
        let Some(status) = WithdrawalStatus::parse(&request.status) else {
            report.violations.push(format!(
                "withdrawal {} has unknown status {:?}",
                request.id, request.status
            ));
            continue;
        };
        use WithdrawalStatus as S;
        let settled = matches!(status, S::Paid | S::Returned);
        let credited = matches!(status, S::Rejected | S::Canceled | S::Failed);
        for (kind, expected) in [
            (EntryKind::WithdrawalSettle, usize::from(settled)),
            (EntryKind::CreditBack, usize::from(credited)),
            (
                EntryKind::WithdrawalReturn,
                usize::from(status == S::Returned),
            ),
            (
                EntryKind::PayPalRecovery,
                usize::from(recovered.contains(&request.id)),
            ),
        ] {
            let found = entries_of(&reference, kind);
            if found != expected {
                report.violations.push(format!(
                    "withdrawal {} ({}) has {found} {} entries, expected {expected}",
                    request.id,
                    request.status,
                    kind.as_str()
                ));
            }
        }
        let expected = if status.is_open() { request.amount } else { 0 };
        let actual = held.get(&reference).copied().unwrap_or(0);
        if actual != expected {
            report.violations.push(format!(
                "withdrawal {} ({}) has {actual} in flight, expected {expected}",
                request.id, request.status
            ));
        }
    }

    let unmatched: Vec<CountRow> = all(
        conn,
        "SELECT COUNT(*) AS n FROM incentives \
         WHERE (status = 'paid' AND paid_entry_id IS NULL) OR (status <> 'paid' AND paid_entry_id IS NOT NULL)",
    )
    .await?;
    if let Some(row) = unmatched.first().filter(|row| row.n > 0) {
        report.violations.push(format!(
            "{} incentives are paid without a journal entry, or name one without being paid",
            row.n
        ));
    }
    let payments: Vec<PaymentRow> = all(
        conn,
        "SELECT e.id AS entry_id, \
           CAST(COALESCE((SELECT SUM(t.amount) FROM transfers t WHERE t.entry_id = e.id), 0) AS BIGINT) AS moved, \
           CAST(COALESCE((SELECT SUM(i.amount_minor) FROM incentives i WHERE i.paid_entry_id = e.id), 0) AS BIGINT) AS owed, \
           CAST((SELECT COUNT(*) FROM transfers t WHERE t.entry_id = e.id) AS BIGINT) AS legs, \
           CAST((SELECT COUNT(*) FROM incentives i WHERE i.paid_entry_id = e.id) AS BIGINT) AS paid \
         FROM journal_entries e WHERE e.kind = 'incentive_payment' AND e.reference LIKE 'incentives:%'",
    )
    .await?;
    for p in payments {
        if p.moved != p.owed || p.legs != p.paid {
            report.violations.push(format!(
                "incentive payment {} moved {} in {} transfers for {} incentives owed {}",
                p.entry_id, p.moved, p.legs, p.paid, p.owed
            ));
        }
    }

    // A request PayPal holds is processing; one PayPal paid is paid (or
    // returned since); one PayPal failed is not paid.
    let paypal: Vec<CountRow> = all(
        conn,
        "SELECT COUNT(*) AS n FROM paypal_items i JOIN withdrawal_requests r ON r.id = i.request_id          WHERE (NOT i.settled AND r.status <> 'processing')             OR (i.settled AND i.transaction_status = 'SUCCESS' AND r.status NOT IN ('paid', 'returned'))             OR (i.settled AND i.transaction_status <> 'SUCCESS' AND r.status NOT IN ('failed', 'returned'))",
    )
    .await?;
    if let Some(row) = paypal.first().filter(|row| row.n > 0) {
        report.violations.push(format!(
            "{} requests sent via PayPal have a status that disagrees with PayPal's",
            row.n
        ));
    }

    let alerts: Vec<CountRow> = all(
        conn,
        "SELECT COUNT(*) AS n FROM paypal_alerts WHERE resolved_at IS NULL",
    )
    .await?;
    if let Some(row) = alerts.first().filter(|row| row.n > 0) {
        report.violations.push(format!(
            "{} PayPal reports contradict a request Paydesk settled and are not resolved: \
             see Needs attention on the payouts page",
            row.n
        ));
    }

    for missing in missing_guards(conn).await? {
        report.violations.push(format!(
            "the database guard {missing} is missing: transfers, journal entries or balances \
             are no longer protected (run `paydesk migrate` on a fresh database, or restore it)"
        ));
    }
    Ok(report)
}

/// The ledger guards of migration 12 that are not in the database.
async fn missing_guards(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let (expected, sql): (Vec<&str>, &str) = match conn.get_database_backend() {
        DbBackend::Sqlite => (
            guards::SQLITE_TRIGGERS.to_vec(),
            "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        ),
        DbBackend::Postgres => (
            guards::POSTGRES_TRIGGERS
                .into_iter()
                .chain([guards::POSTGRES_CHECK])
                .collect(),
            "SELECT tgname::text AS name FROM pg_trigger WHERE NOT tgisinternal \
             UNION ALL SELECT conname::text AS name FROM pg_constraint WHERE contype = 'c'",
        ),
        _ => return Ok(Vec::new()),
    };
    let present: HashSet<String> = all::<NameRow>(conn, sql)
        .await?
        .into_iter()
        .map(|row| row.name)
        .collect();
    Ok(expected
        .into_iter()
        .filter(|name| !present.contains(*name))
        .map(str::to_owned)
        .collect())
}
