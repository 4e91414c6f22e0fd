//! Creating, deciding and paying incentives. Every change is a guarded
//! update (its WHERE names the statuses it may start from), so two admins
//! acting at once never move an incentive twice; Make Payment claims the
//! rows, moves the money and records the audit and outbox rows in one
//! transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use super::{
    IncentiveAction, IncentiveInput, IncentiveList, IncentiveQuery, IncentiveSource,
    IncentiveStatus, IncentiveView, MemberIncentives, PaymentOutcome, PER_PAGE_CHOICES,
};
use crate::auth::Role;
use crate::auth::{normalize_email, service::users_by_id};
use crate::email::notice::Notice;
use crate::entities::{asset, incentive, outbox_message, user, wallet};
use crate::error::AppError;
use crate::ledger::idempotency::{self, Claim};
use crate::ledger::money::Money;
use crate::ledger::money::{decimal_string, parse_amount};
use crate::ledger::service::{self as ledger, EntryKind, FanOut, LedgerError, WalletKind};
use crate::platform::paging;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::ui::{BulkOutcome, Skipped};

/// Items in one earnings API call.
pub const BATCH_LIMIT: usize = 1_000;
/// Incentives in one bulk decision or one payment.
pub const BULK_LIMIT: usize = 20_000;
/// Setting: "true" creates (invites) a member for an unknown email.
pub const CREATE_MISSING_MEMBERS: &str = "incentives.create_missing_members";
/// Ids per `IN (...)` list, well inside every backend's parameter limit.
const CHUNK: usize = 5_000;

fn internal(err: impl Into<anyhow::Error>) -> AppError {
    AppError::internal(err.into())
}

/// Who or what is creating an incentive.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub source: IncentiveSource,
    pub api_key_id: Option<i64>,
    pub admin_user_id: Option<i64>,
}

/// A create call's result: a new incentive, or the one this external id
/// already made (an idempotent repeat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    New(IncentiveView),
    Existing(IncentiveView),
}

/// An input checked against everything that needs no member lookup.
struct Checked {
    email: String,
    name: Option<String>,
    program: String,
    asset: asset::Model,
    amount_minor: i64,
    description: String,
    external_id: Option<String>,
}

fn check_text(value: &str, what: &str, max: usize, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::invalid(format!("{what}: required")));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(format!(
            "{what}: at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::invalid(format!("{what}: no control characters")));
    }
    Ok(value.to_owned())
}

async fn check(
    conn: &impl ConnectionTrait,
    origin: Origin,
    input: &IncentiveInput,
) -> Result<Checked, AppError> {
    let email = normalize_email(&input.member_email)
        .map_err(|err| AppError::invalid(format!("member_email: {err}")))?;
    let program = check_text(&input.program, "program", 40, true)?;
    let description = check_text(&input.description, "description", 500, false)?;
    let external_id = match input.external_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => {
            if id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()) {
                return Err(AppError::invalid(
                    "external_id: up to 128 visible ASCII characters, no spaces",
                ));
            }
            Some(id.to_owned())
        }
        _ if origin.source != IncentiveSource::Manual => {
            return Err(AppError::invalid(
                "external_id: required, so that a repeat is recognised",
            ))
        }
        _ => None,
    };
    let code = input.asset.trim().to_ascii_uppercase();
    let asset = asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::invalid(format!("asset: unknown asset {code:?}")))?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let amount_minor = parse_amount(input.amount.trim(), &asset.code, scale)
        .map_err(|err| AppError::invalid(format!("amount: {err}")))?;
    let name = match input.member_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some(check_text(name, "member_name", 100, true)?),
        _ => None,
    };
    Ok(Checked {
        email,
        name,
        program,
        asset,
        amount_minor,
        description,
        external_id,
    })
}

/// The member with this email, or (when the setting allows) a new member
/// invited for it: their password is unknown to everyone until they set one.
async fn member_for(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    checked: &Checked,
    create_missing: bool,
) -> Result<user::Model, AppError> {
    if let Some(member) = known_member(conn, checked, create_missing).await? {
        return Ok(member);
    }
    let name = checked.name.clone().unwrap_or_else(|| {
        checked
            .email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    crate::auth::service::invite_member(conn, now, &checked.email, &name, "incentive")
        .await
        .map_err(AppError::from)
}

/// The member with the checked email; None when there is none but one may
/// be invited; refused for an administrator's email, or an unknown one when
/// invitations are off.
async fn known_member(
    conn: &impl ConnectionTrait,
    checked: &Checked,
    create_missing: bool,
) -> Result<Option<user::Model>, AppError> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(checked.email.clone()))
        .one(conn)
        .await
        .map_err(internal)?;
    match found {
        Some(u) if u.role == Role::Member.as_str() => Ok(Some(u)),
        Some(_) => Err(AppError::invalid(format!(
            "member_email: {} is an administrator, not a member",
            checked.email
        ))),
        None if create_missing => Ok(None),
        None => Err(AppError::invalid(format!(
            "member_email: no member has the email {} (turn on \"create missing members\" to invite them)",
            checked.email
        ))),
    }
}

async fn create_missing_members(db: &impl ConnectionTrait) -> Result<bool, AppError> {
    Ok(
        crate::platform::settings_store::get_setting(db, CREATE_MISSING_MEMBERS)
            .await
            .map_err(internal)?
            .as_deref()
            == Some("true"),
    )
}

/// What creating an incentive from `input` would do, without doing it.
pub enum LineCheck {
    New {
        asset: String,
        scale: u32,
        minor: i64,
    },
    /// The external id was used before, for this same incentive.
    Existing(i64),
}

/// Checks one line of an import the way [`create`] would, writing nothing.
pub async fn check_import(
    db: &DatabaseConnection,
    source: IncentiveSource,
    input: &IncentiveInput,
) -> Result<LineCheck, AppError> {
    let origin = Origin {
        source,
        api_key_id: None,
        admin_user_id: None,
    };
    let checked = check(db, origin, input).await?;
    if let Some(existing) = existing(db, source, checked.external_id.as_deref()).await? {
        let (Created::New(view) | Created::Existing(view)) =
            same_or_refused(db, origin, &checked, existing).await?;
        return Ok(LineCheck::Existing(view.id));
    }
    known_member(db, &checked, create_missing_members(db).await?).await?;
    Ok(LineCheck::New {
        scale: scale_of(&checked.asset),
        asset: checked.asset.code,
        minor: checked.amount_minor,
    })
}

/// Creates one incentive, pending approval. An external id seen before from
/// the same source returns that incentive, if it is the same one; reusing
/// it for a different member, asset or amount is refused.
pub async fn create(
    db: &DatabaseConnection,
    clock: &Clock,
    origin: Origin,
    input: &IncentiveInput,
) -> Result<Created, AppError> {
    create_keyed(db, clock, origin, input, None).await
}

const CREATE_SCOPE: &str = "incentives.create";

/// [`create`] for a person at a form: an incentive entered by hand has no
/// external id to make a repeat harmless, so the form's idempotency key
/// does. The same key again (a double click, a resent form) answers the
/// incentive it made; with other values it is refused.
pub async fn create_keyed(
    db: &DatabaseConnection,
    clock: &Clock,
    origin: Origin,
    input: &IncentiveInput,
    idempotency_key: Option<&str>,
) -> Result<Created, AppError> {
    let checked = check(db, origin, input).await?;
    if let Some(existing) = existing(db, origin.source, checked.external_id.as_deref()).await? {
        return same_or_refused(db, origin, &checked, existing).await;
    }
    let create_missing = create_missing_members(db).await?;
    let now = clock.now();
    let txn = db::begin_write(db).await.map_err(internal)?;
    if let Some(key) = idempotency_key {
        let fingerprint = idempotency::fingerprint(&[
            CREATE_SCOPE,
            &checked.email,
            &checked.program,
            &checked.asset.code,
            &checked.amount_minor.to_string(),
            &checked.description,
        ]);
        if let Claim::Replay(outcome) =
            idempotency::claim(&txn, now, CREATE_SCOPE, key, &fingerprint)
                .await
                .map_err(idempotency_error)?
        {
            drop(txn);
            let id: i64 = outcome.parse().map_err(internal)?;
            let model = incentive::Entity::find_by_id(id)
                .one(db)
                .await
                .map_err(internal)?
                .ok_or_else(|| internal(anyhow::anyhow!("replayed incentive {id} vanished")))?;
            let view = views(db, vec![model]).await?.pop();
            return view
                .map(Created::Existing)
                .ok_or_else(|| internal(anyhow::anyhow!("view of a replayed incentive")));
        }
    }
    let member = member_for(&txn, now, &checked, create_missing).await?;
    let inserted = incentive::Entity::insert(incentive::ActiveModel {
        member_user_id: Set(member.id),
        program: Set(checked.program.clone()),
        asset_id: Set(checked.asset.id),
        amount_minor: Set(checked.amount_minor),
        description: Set(checked.description.clone()),
        source: Set(origin.source.as_str().to_owned()),
        external_id: Set(checked.external_id.clone()),
        status: Set(IncentiveStatus::Pending.as_str().to_owned()),
        created_by: Set(origin.admin_user_id),
        api_key_id: Set(origin.api_key_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([incentive::Column::Source, incentive::Column::ExternalId])
            .do_nothing()
            .to_owned(),
    )
    .exec_with_returning(&txn)
    .await;
    let model = match inserted {
        Ok(model) => model,
        Err(DbErr::RecordNotInserted) => {
            // Another call with this external id committed first: answer
            // as a repeat of it (the rollback also undoes any invitation).
            drop(txn);
            let existing = existing(db, origin.source, checked.external_id.as_deref())
                .await?
                .ok_or_else(|| internal(anyhow::anyhow!("conflicting incentive vanished")))?;
            return same_or_refused(db, origin, &checked, existing).await;
        }
        Err(err) => return Err(internal(err)),
    };
    if let Some(admin) = origin.admin_user_id {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::IncentiveCreated)
                .actor(admin)
                .subject(format!("incentive:{}", model.id))
                .detail(format!(
                    "{} {} to {} ({})",
                    decimal_string(model.amount_minor, scale_of(&checked.asset)),
                    checked.asset.code,
                    member.email,
                    model.program
                )),
        )
        .await
        .map_err(internal)?;
    }
    if let Some(key) = idempotency_key {
        idempotency::complete(&txn, CREATE_SCOPE, key, &model.id.to_string())
            .await
            .map_err(internal)?;
    }
    txn.commit().await.map_err(internal)?;
    let view = views(db, vec![model]).await?.pop();
    view.map(Created::New)
        .ok_or_else(|| internal(anyhow::anyhow!("view of a new incentive")))
}

fn scale_of(asset: &asset::Model) -> u32 {
    u32::try_from(asset.scale).unwrap_or(0)
}

async fn existing(
    conn: &impl ConnectionTrait,
    source: IncentiveSource,
    external_id: Option<&str>,
) -> Result<Option<incentive::Model>, AppError> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    incentive::Entity::find()
        .filter(incentive::Column::Source.eq(source.as_str()))
        .filter(incentive::Column::ExternalId.eq(external_id))
        .one(conn)
        .await
        .map_err(internal)
}

async fn same_or_refused(
    db: &DatabaseConnection,
    origin: Origin,
    checked: &Checked,
    existing: incentive::Model,
) -> Result<Created, AppError> {
    // An API key answers for its own incentives only: another key's is
    // neither shown nor confirmed.
    if origin.api_key_id.is_some() && existing.api_key_id != origin.api_key_id {
        return Err(AppError::conflict(format!(
            "external_id: {} is already used by another API key's incentive; use an id of your own",
            existing.external_id.as_deref().unwrap_or_default()
        )));
    }
    let member_email = user::Entity::find_by_id(existing.member_user_id)
        .one(db)
        .await
        .map_err(internal)?
        .map(|u| u.email);
    let same = member_email.as_deref() == Some(checked.email.as_str())
        && existing.asset_id == checked.asset.id
        && existing.amount_minor == checked.amount_minor
        && existing.program == checked.program;
    if !same {
        return Err(AppError::conflict(format!(
            "external_id: {} was already used for a different incentive (#{})",
            existing.external_id.as_deref().unwrap_or_default(),
            existing.id
        )));
    }
    let view = views(db, vec![existing]).await?.pop();
    view.map(Created::Existing)
        .ok_or_else(|| internal(anyhow::anyhow!("view of an existing incentive")))
}

/// The incentive the earnings API made with this external id through this
/// key: another key's is not found.
pub async fn by_external_id(
    db: &DatabaseConnection,
    external_id: &str,
    api_key_id: i64,
) -> Result<Option<IncentiveView>, AppError> {
    match existing(db, IncentiveSource::Api, Some(external_id))
        .await?
        .filter(|model| model.api_key_id == Some(api_key_id))
    {
        Some(model) => Ok(views(db, vec![model]).await?.pop()),
        None => Ok(None),
    }
}

/// Incentives as the pages and the API show them, in the order given.
pub async fn views(
    conn: &impl ConnectionTrait,
    models: Vec<incentive::Model>,
) -> Result<Vec<IncentiveView>, AppError> {
    let members = users_by_id(conn, models.iter().map(|m| m.member_user_id))
        .await
        .map_err(internal)?;
    let assets = ledger::assets_by_id(conn).await.map_err(internal)?;
    Ok(models
        .into_iter()
        .map(|m| {
            let member = members.get(&m.member_user_id);
            let asset = assets.get(&m.asset_id);
            let scale = asset.map_or(0, scale_of);
            IncentiveView {
                id: m.id,
                member_id: m.member_user_id,
                member_email: member.map(|u| u.email.clone()).unwrap_or_default(),
                member_name: member.map(|u| u.display_name.clone()).unwrap_or_default(),
                member_confirmed: member.is_some_and(|u| u.email_confirmed_at.is_some()),
                program: m.program,
                asset: asset.map(|a| a.code.clone()).unwrap_or_default(),
                scale,
                amount_minor: m.amount_minor,
                amount: decimal_string(m.amount_minor, scale),
                description: m.description,
                source: match m.source.as_str() {
                    "api" => IncentiveSource::Api,
                    "csv" => IncentiveSource::Csv,
                    _ => IncentiveSource::Manual,
                },
                external_id: m.external_id,
                status: IncentiveStatus::parse(&m.status).unwrap_or(IncentiveStatus::Pending),
                note: m.note,
                created_at: m.created_at.format("%Y-%m-%d %H:%M").to_string(),
                paid_at: m.paid_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                paid_entry_id: m.paid_entry_id,
            }
        })
        .collect())
}

fn check_ids(ids: &[i64]) -> Result<Vec<i64>, AppError> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Err(AppError::invalid("Select at least one incentive"));
    }
    if unique.len() > BULK_LIMIT {
        return Err(AppError::invalid(format!(
            "At most {BULK_LIMIT} incentives at once"
        )));
    }
    Ok(unique)
}

/// Why each id not in `done` was left alone, from its status now.
async fn skip_reasons(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    done: &HashSet<i64>,
    action: IncentiveAction,
    extra: impl Fn(&incentive::Model) -> Option<String>,
) -> Result<Vec<Skipped>, AppError> {
    let left: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !done.contains(id))
        .collect();
    let mut found: HashMap<i64, incentive::Model> = HashMap::new();
    for chunk in left.chunks(CHUNK) {
        for m in incentive::Entity::find()
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await
            .map_err(internal)?
        {
            found.insert(m.id, m);
        }
    }
    Ok(left
        .into_iter()
        .map(|id| {
            let reason = match found.get(&id) {
                None => "not found".to_owned(),
                Some(m) => extra(m).unwrap_or_else(|| {
                    match IncentiveStatus::parse(&m.status).map(|s| s.apply(action)) {
                        Some(Err(why)) => why.to_owned(),
                        Some(Ok(_)) => "changed by someone else meanwhile".to_owned(),
                        None => format!("unknown status {}", m.status),
                    }
                }),
            };
            Skipped { id, reason }
        })
        .collect())
}

/// Approves or rejects incentives (a note is required to reject). Each one
/// moves at most once; the rest are reported with the reason.
pub async fn decide(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ids: &[i64],
    action: IncentiveAction,
    note: &str,
    ip: Option<String>,
) -> Result<BulkOutcome, AppError> {
    let ids = check_ids(ids)?;
    let note = check_text(note, "Note", 500, false)?;
    let (to, audit_action) = match action {
        IncentiveAction::Approve => (IncentiveStatus::Approved, AuditAction::IncentivesApproved),
        IncentiveAction::Reject => {
            if note.is_empty() {
                return Err(AppError::invalid(
                    "Note: say why they are rejected; the member sees it",
                ));
            }
            (IncentiveStatus::Rejected, AuditAction::IncentivesRejected)
        }
        IncentiveAction::Pay => {
            return Err(AppError::invalid("Use Make Payment to pay incentives"))
        }
    };
    let from: Vec<&str> = IncentiveStatus::sources(action)
        .into_iter()
        .map(IncentiveStatus::as_str)
        .collect();
    let now = clock.now();
    let txn = db::begin_write(db).await.map_err(internal)?;
    let mut done = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut update = incentive::Entity::update_many()
            .col_expr(incentive::Column::Status, Expr::value(to.as_str()))
            .col_expr(incentive::Column::DecidedBy, Expr::value(admin_user_id))
            .col_expr(incentive::Column::DecidedAt, Expr::value(now));
        if !note.is_empty() {
            update = update.col_expr(incentive::Column::Note, Expr::value(note.clone()));
        }
        for m in update
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::Status.is_in(from.clone()))
            .exec_with_returning(&txn)
            .await
            .map_err(internal)?
        {
            done.insert(m.id);
        }
    }
    let skipped = skip_reasons(&txn, &ids, &done, action, |_| None).await?;
    let mut succeeded: Vec<i64> = done.into_iter().collect();
    succeeded.sort_unstable();
    if !succeeded.is_empty() {
        audit::record(
            &txn,
            now,
            AuditEntry::new(audit_action)
                .actor(admin_user_id)
                .subject(format!("incentives:{}", id_list(&succeeded)))
                .ip(ip)
                .detail(if note.is_empty() {
                    format!("{} incentives", succeeded.len())
                } else {
                    format!("{} incentives; note: {note}", succeeded.len())
                }),
        )
        .await
        .map_err(internal)?;
    }
    txn.commit().await.map_err(internal)?;
    Ok(BulkOutcome { succeeded, skipped })
}

/// "#1, #2, #3" for the first few ids, "and N more" after.
fn id_list(ids: &[i64]) -> String {
    const SHOWN: usize = 20;
    let mut text: Vec<String> = ids.iter().take(SHOWN).map(|id| format!("#{id}")).collect();
    if ids.len() > SHOWN {
        text.push(format!("and {} more", ids.len() - SHOWN));
    }
    text.join(", ")
}

/// Why an approved incentive is not paid yet: money follows an address
/// only once its owner has proven it (a stranger who signed up with it
/// would be paid otherwise). It is paid by a later Make Payment, once the
/// member has confirmed.
pub const WAITING: &str = "waiting for the member to confirm their email";

/// The members whose address is not confirmed yet, as a subquery.
fn unconfirmed_members() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::EmailConfirmedAt.is_null())
        .to_owned()
}

/// The members of these incentives whose address is not confirmed yet.
async fn waiting_members(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashSet<i64>, AppError> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let members: Vec<i64> = incentive::Entity::find()
            .select_only()
            .column(incentive::Column::MemberUserId)
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::MemberUserId.in_subquery(unconfirmed_members()))
            .into_tuple()
            .all(conn)
            .await
            .map_err(internal)?;
        found.extend(members);
    }
    Ok(found)
}

/// Make Payment as asked.
#[derive(Clone, Debug, Default)]
pub struct PaymentInput {
    pub ids: Vec<i64>,
    pub funding_wallet_id: i64,
    pub description: String,
    pub idempotency_key: String,
}

const PAY_SCOPE: &str = "incentives.pay";

/// Pays approved incentives from one funding wallet of their asset, in one
/// journal entry with one transfer per incentive. Refused up front, with
/// the shortfall, when the wallet cannot cover them; incentives that are
/// not approved (or in another asset) are reported and never paid. The same
/// idempotency key twice answers the first outcome and pays nothing more.
pub async fn make_payment(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: &PaymentInput,
    ip: Option<String>,
) -> Result<PaymentOutcome, AppError> {
    let ids = check_ids(&input.ids)?;
    let description = check_text(&input.description, "Description", 200, true)?;
    let key = input.idempotency_key.trim();
    let id_text: Vec<String> = ids.iter().map(i64::to_string).collect();
    let fingerprint = idempotency::fingerprint(&[
        PAY_SCOPE,
        &id_text.join(","),
        &input.funding_wallet_id.to_string(),
        &description,
    ]);
    let now = clock.now();
    let txn = db::begin_write(db).await.map_err(internal)?;
    match idempotency::claim(&txn, now, PAY_SCOPE, key, &fingerprint)
        .await
        .map_err(idempotency_error)?
    {
        Claim::Replay(outcome) => return serde_json::from_str(&outcome).map_err(internal),
        Claim::New => {}
    }
    let funding = wallet::Entity::find_by_id(input.funding_wallet_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .filter(|w| WalletKind::of(w) == WalletKind::Funding)
        .ok_or_else(|| AppError::invalid("Choose a funding wallet to pay from"))?;
    let assets = ledger::assets_by_id(&txn).await.map_err(internal)?;
    let asset = assets
        .get(&funding.asset_id)
        .cloned()
        .ok_or_else(|| internal(anyhow::anyhow!("wallet without asset")))?;
    let scale = scale_of(&asset);
    let wallet_name = funding.name.clone().unwrap_or_default();

    // What would be paid, to refuse up front when the wallet is short.
    let mut due: i64 = 0;
    for chunk in ids.chunks(CHUNK) {
        let sum: Option<i64> = incentive::Entity::find()
            .select_only()
            .expr(
                Expr::col(incentive::Column::AmountMinor)
                    .sum()
                    .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            )
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::Status.eq(IncentiveStatus::Approved.as_str()))
            .filter(incentive::Column::AssetId.eq(asset.id))
            .filter(incentive::Column::MemberUserId.not_in_subquery(unconfirmed_members()))
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await
            .map_err(internal)?
            .flatten();
        due = due.saturating_add(sum.unwrap_or(0));
    }
    let waiting = waiting_members(&txn, &ids).await?;
    if due == 0 {
        return Err(AppError::invalid(if waiting.is_empty() {
            format!(
                "None of the selected incentives is approved and in {}",
                asset.code
            )
        } else {
            format!(
                "None of the selected incentives can be paid now: {WAITING} (their members have not confirmed their email address yet), and none of the others is approved and in {}",
                asset.code
            )
        }));
    }
    if funding.balance < due {
        return Err(AppError::invalid(format!(
            "{wallet_name} holds {} {code}; these incentives need {} {code} (short by {} {code})",
            decimal_string(funding.balance, scale),
            decimal_string(due, scale),
            decimal_string(due - funding.balance, scale),
            code = asset.code,
        )));
    }

    // Claim them: only rows still approved move, so an incentive paid or
    // rejected by someone else meanwhile is never paid here.
    let mut claimed: Vec<incentive::Model> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        claimed.extend(
            incentive::Entity::update_many()
                .col_expr(
                    incentive::Column::Status,
                    Expr::value(IncentiveStatus::Paid.as_str()),
                )
                .col_expr(incentive::Column::PaidAt, Expr::value(now))
                .col_expr(incentive::Column::FundingWalletId, Expr::value(funding.id))
                .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
                .filter(incentive::Column::Status.eq(IncentiveStatus::Approved.as_str()))
                .filter(incentive::Column::AssetId.eq(asset.id))
                .filter(incentive::Column::MemberUserId.not_in_subquery(unconfirmed_members()))
                .exec_with_returning(&txn)
                .await
                .map_err(internal)?,
        );
    }
    if claimed.is_empty() {
        return Err(AppError::conflict(
            "These incentives were paid or rejected by someone else meanwhile",
        ));
    }
    claimed.sort_by_key(|m| m.id);
    let member_ids: Vec<i64> = claimed.iter().map(|m| m.member_user_id).collect();
    let wallets = ledger::member_wallets(&txn, now, &member_ids, asset.id)
        .await
        .map_err(internal)?;
    let mut legs = Vec::with_capacity(claimed.len());
    for m in &claimed {
        let to = wallets
            .get(&m.member_user_id)
            .ok_or_else(|| internal(anyhow::anyhow!("member wallet missing")))?;
        legs.push((to, m.amount_minor));
    }
    let total: i64 = claimed.iter().map(|m| m.amount_minor).sum();
    let entry_id = ledger::post_fan_out(
        &txn,
        now,
        FanOut {
            kind: EntryKind::IncentivePayment,
            reference: Some(format!("incentives:wallet:{}", funding.id)),
            memo: Some(description.clone()),
            actor_user_id: Some(admin_user_id),
            from: &funding,
            legs,
        },
    )
    .await
    .map_err(|err| match err {
        LedgerError::InsufficientFunds { .. } => AppError::conflict(format!(
            "{wallet_name} no longer holds enough {}; nothing was paid",
            asset.code
        )),
        overflow @ LedgerError::BalanceOverflow { .. } => AppError::invalid(overflow.to_string()),
        other => internal(other),
    })?;
    let paid: Vec<i64> = claimed.iter().map(|m| m.id).collect();
    for chunk in paid.chunks(CHUNK) {
        incentive::Entity::update_many()
            .col_expr(incentive::Column::PaidEntryId, Expr::value(entry_id))
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await
            .map_err(internal)?;
    }
    enqueue_paid_emails(&txn, now, &claimed, entry_id, &asset).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::IncentivesPaid)
            .actor(admin_user_id)
            .subject(format!("entry:{entry_id}"))
            .ip(ip)
            .detail(format!(
                "{} incentives, {} {} from {wallet_name}: {}",
                paid.len(),
                decimal_string(total, scale),
                asset.code,
                id_list(&paid)
            )),
    )
    .await
    .map_err(internal)?;
    let done: HashSet<i64> = paid.iter().copied().collect();
    let code = asset.code.clone();
    let skipped = skip_reasons(&txn, &ids, &done, IncentiveAction::Pay, |m| {
        if m.asset_id != asset.id {
            let theirs = assets.get(&m.asset_id).map_or("", |a| a.code.as_str());
            return Some(format!("in {theirs}, not {code}"));
        }
        (m.status == IncentiveStatus::Approved.as_str() && waiting.contains(&m.member_user_id))
            .then(|| WAITING.to_owned())
    })
    .await?;
    let outcome = PaymentOutcome {
        paid,
        skipped,
        total: Money {
            code: asset.code.clone(),
            scale,
            minor: total,
        },
        entry_id,
    };
    idempotency::complete(
        &txn,
        PAY_SCOPE,
        key,
        &serde_json::to_string(&outcome).map_err(internal)?,
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(outcome)
}

fn idempotency_error(err: idempotency::IdempotencyError) -> AppError {
    match err {
        idempotency::IdempotencyError::Db(err) => internal(err),
        idempotency::IdempotencyError::Missing => AppError::invalid(err.to_string()),
        other => AppError::conflict(other.to_string()),
    }
}

/// One "incentive paid" email per member, in the payment's transaction.
async fn enqueue_paid_emails(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    claimed: &[incentive::Model],
    entry_id: i64,
    asset: &asset::Model,
) -> Result<(), AppError> {
    let mut per_member: std::collections::BTreeMap<i64, (i64, Vec<i64>)> = Default::default();
    for m in claimed {
        let (sum, ids) = per_member.entry(m.member_user_id).or_default();
        *sum += m.amount_minor;
        ids.push(m.id);
    }
    let rows: Vec<outbox_message::ActiveModel> = per_member
        .into_iter()
        .map(|(member, (sum, ids))| {
            let notice = Notice::IncentivePaid {
                entry_id,
                incentive_ids: ids,
                asset: asset.code.clone(),
                amount: decimal_string(sum, scale_of(asset)),
            };
            crate::email::notice::row(now, member, &notice)
        })
        .collect();
    for chunk in rows.chunks(500) {
        outbox_message::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await
            .map_err(|err: DbErr| internal(err))?;
    }
    Ok(())
}

/// The incentives matching the table's filters.
async fn filtered(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<sea_orm::Select<incentive::Entity>, AppError> {
    use sea_orm::sea_query::{Condition, Func, Query};

    let mut select = incentive::Entity::find();
    if !query.status.is_empty() {
        let status = IncentiveStatus::parse(&query.status)
            .ok_or_else(|| AppError::invalid(format!("Unknown status {:?}", query.status)))?;
        select = select.filter(incentive::Column::Status.eq(status.as_str()));
    }
    if !query.asset.is_empty() {
        let code = query.asset.trim().to_ascii_uppercase();
        let asset = asset::Entity::find()
            .filter(asset::Column::Code.eq(code.clone()))
            .one(db)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::invalid(format!("Unknown asset {code}")))?;
        select = select.filter(incentive::Column::AssetId.eq(asset.id));
    }
    let range = crate::platform::dates::day_range(&query.from, &query.to)?;
    if let Some(start) = range.start {
        select = select.filter(incentive::Column::CreatedAt.gte(start));
    }
    if let Some(end) = range.end {
        select = select.filter(incentive::Column::CreatedAt.lt(end));
    }
    let keyword = query.q.trim();
    if !keyword.is_empty() {
        if keyword.chars().count() > 200 {
            return Err(AppError::invalid("The search is too long"));
        }
        let pattern = format!("%{}%", keyword.to_lowercase());
        let lower_like = |column: Expr| Expr::expr(Func::lower(column)).like(pattern.clone());
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .cond_where(
                Condition::any()
                    .add(lower_like(Expr::col(user::Column::Email)))
                    .add(lower_like(Expr::col(user::Column::DisplayName))),
            )
            .to_owned();
        let mut any = Condition::any()
            .add(incentive::Column::MemberUserId.in_subquery(members))
            .add(lower_like(Expr::col(incentive::Column::Program)))
            .add(lower_like(Expr::col(incentive::Column::ExternalId)));
        if let Ok(id) = keyword.trim_start_matches('#').parse::<i64>() {
            any = any.add(incentive::Column::Id.eq(id));
        }
        select = select.filter(any);
    }
    Ok(select)
}

/// One page of the incentives table, newest first, with the count and the
/// totals per asset of everything matching.
pub async fn list(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<IncentiveList, AppError> {
    use sea_orm::{PaginatorTrait, QueryOrder};

    let per_page = crate::ui::list::per_page(query.per_page, &PER_PAGE_CHOICES);
    let page = paging::page(query.page);
    let select = filtered(db, query).await?;
    let total = select.clone().count(db).await.map_err(internal)?;
    let sums: Vec<(i64, Option<i64>)> = select
        .clone()
        .select_only()
        .column(incentive::Column::AssetId)
        .expr(
            Expr::col(incentive::Column::AmountMinor)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
        )
        .group_by(incentive::Column::AssetId)
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    let assets = ledger::assets_by_id(db).await.map_err(internal)?;
    let mut totals: Vec<Money> = sums
        .into_iter()
        .filter_map(|(asset_id, sum)| {
            let asset = assets.get(&asset_id)?;
            Some(Money {
                code: asset.code.clone(),
                scale: scale_of(asset),
                minor: sum.unwrap_or(0),
            })
        })
        .collect();
    totals.sort_by(|a, b| a.code.cmp(&b.code));
    let models = select
        .order_by_desc(incentive::Column::Id)
        .limit(per_page)
        .offset(paging::offset(page, per_page))
        .all(db)
        .await
        .map_err(internal)?;
    Ok(IncentiveList {
        rows: views(db, models).await?,
        total,
        page,
        per_page,
        totals,
        fresh_key: crate::withdrawals::queries::fresh_key(),
    })
}

/// The ids of every incentive matching the filters, for "select all
/// matching" (at most [`BULK_LIMIT`]).
pub async fn matching_ids(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<Vec<i64>, AppError> {
    use sea_orm::QueryOrder;

    let ids: Vec<i64> = filtered(db, query)
        .await?
        .select_only()
        .column(incentive::Column::Id)
        .order_by_asc(incentive::Column::Id)
        .limit(BULK_LIMIT as u64 + 1)
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    if ids.len() > BULK_LIMIT {
        return Err(AppError::invalid(format!(
            "More than {BULK_LIMIT} incentives match; narrow the filter"
        )));
    }
    Ok(ids)
}

/// A member's own incentives: the latest 20 and the totals per status.
pub async fn for_member(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<MemberIncentives, AppError> {
    use sea_orm::QueryOrder;

    // Until the address is proven, whoever signed up with it is not shown
    // what the vendor reported for it either.
    let confirmed = user::Entity::find_by_id(user_id)
        .one(db)
        .await
        .map_err(internal)?
        .is_some_and(|u| u.email_confirmed_at.is_some());
    if !confirmed {
        return Ok(MemberIncentives::default());
    }
    let latest = incentive::Entity::find()
        .filter(incentive::Column::MemberUserId.eq(user_id))
        .order_by_desc(incentive::Column::Id)
        .limit(20)
        .all(db)
        .await
        .map_err(internal)?;
    let sums: Vec<(String, i64, Option<i64>)> = incentive::Entity::find()
        .select_only()
        .column(incentive::Column::Status)
        .column(incentive::Column::AssetId)
        .expr(
            Expr::col(incentive::Column::AmountMinor)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
        )
        .filter(incentive::Column::MemberUserId.eq(user_id))
        .group_by(incentive::Column::Status)
        .group_by(incentive::Column::AssetId)
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    let assets = ledger::assets_by_id(db).await.map_err(internal)?;
    let mut out = MemberIncentives {
        latest: views(db, latest).await?,
        ..Default::default()
    };
    for (status, asset_id, sum) in sums {
        let Some(asset) = assets.get(&asset_id) else {
            continue;
        };
        let money = Money {
            code: asset.code.clone(),
            scale: scale_of(asset),
            minor: sum.unwrap_or(0),
        };
        match IncentiveStatus::parse(&status) {
            Some(IncentiveStatus::Pending) => out.pending.push(money),
            Some(IncentiveStatus::Approved) => out.approved.push(money),
            Some(IncentiveStatus::Paid) => out.paid.push(money),
            Some(IncentiveStatus::Rejected) | None => {}
        }
    }
    for list in [&mut out.pending, &mut out.approved, &mut out.paid] {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(out)
}

/// Turns "create (invite) members for unknown emails" on or off; audited.
pub async fn set_invite_missing(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    enabled: bool,
    ip: Option<String>,
) -> Result<(), AppError> {
    let now = clock.now();
    let txn = db::begin_write(db).await.map_err(internal)?;
    crate::platform::settings_store::put_setting(
        &txn,
        CREATE_MISSING_MEMBERS,
        if enabled { "true" } else { "false" },
    )
    .await
    .map_err(internal)?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject("settings:incentives")
            .ip(ip)
            .detail(if enabled {
                "unknown member emails invite the member"
            } else {
                "unknown member emails are refused"
            }),
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(())
}

/// Whether unknown member emails invite the member.
pub async fn invite_missing(db: &DatabaseConnection) -> Result<bool, AppError> {
    create_missing_members(db).await
}
