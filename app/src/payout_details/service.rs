//! Saving and reading a member's payout details. The member is always the
//! session's user: nothing here takes an id of someone else's details.

use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::method::PayoutMethod;
use super::{DetailsInput, PayoutDetailsPage, SavedDetails};
use crate::entities::{payout_detail, payout_method_rule};
use crate::error::AppError;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

/// The setting listing gift-card brands, one per line.
pub const GIFT_CARD_BRANDS: &str = "payouts.gift_card_brands";
const DEFAULT_BRANDS: [&str; 4] = ["Amazon", "Apple", "Google Play", "Visa Prepaid"];

#[derive(Debug, thiserror::Error)]
pub enum DetailsError {
    #[error("{label}: {message}")]
    Field {
        label: &'static str,
        message: String,
    },
    #[error("{0} is not offered; choose another payout method")]
    MethodDisabled(&'static str),
    #[error("Unknown payout method {0:?}")]
    UnknownMethod(String),
    #[error("Save your {0} details first")]
    NotSaved(&'static str),
    /// An extra field's answer (the message names the field).
    #[error("{0}")]
    Extra(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<DetailsError> for AppError {
    fn from(err: DetailsError) -> Self {
        match err {
            DetailsError::Db(err) => AppError::internal(err),
            other => AppError::invalid(other.to_string()),
        }
    }
}

pub fn parse_method(value: &str) -> Result<PayoutMethod, DetailsError> {
    PayoutMethod::parse(value).ok_or_else(|| DetailsError::UnknownMethod(value.to_owned()))
}

pub async fn gift_card_brands(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let configured = crate::platform::settings_store::get_setting(conn, GIFT_CARD_BRANDS).await?;
    let brands: Vec<String> = match configured {
        Some(list) => list
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
        None => DEFAULT_BRANDS.iter().map(|b| (*b).to_owned()).collect(),
    };
    Ok(brands)
}

/// Methods enabled for at least one currency, in the order Paydesk lists them.
pub async fn enabled_methods(conn: &impl ConnectionTrait) -> Result<Vec<PayoutMethod>, DbErr> {
    let rows = payout_method_rule::Entity::find()
        .filter(payout_method_rule::Column::Enabled.eq(true))
        .all(conn)
        .await?;
    Ok(PayoutMethod::ALL
        .into_iter()
        .filter(|method| rows.iter().any(|row| row.method == method.as_str()))
        .collect())
}

fn saved_view(row: &payout_detail::Model) -> Option<SavedDetails> {
    Some(SavedDetails {
        method: PayoutMethod::parse(&row.method)?,
        masked: row.masked.clone(),
        is_default: row.is_default,
        updated_at: row.updated_at.format("%Y-%m-%d").to_string(),
        fields: serde_json::from_str(&row.details).unwrap_or_default(),
    })
}

pub async fn saved(conn: &impl ConnectionTrait, user_id: i64) -> Result<Vec<SavedDetails>, DbErr> {
    let rows = payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(user_id))
        .order_by_asc(payout_detail::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.iter().filter_map(saved_view).collect())
}

pub async fn page(db: &DatabaseConnection, user_id: i64) -> Result<PayoutDetailsPage, DbErr> {
    let saved = saved(db, user_id).await?;
    let methods = enabled_methods(db)
        .await?
        .into_iter()
        .map(|method| {
            let mine = saved.iter().find(|s| s.method == method).cloned();
            (method, mine)
        })
        .collect();
    Ok(PayoutDetailsPage {
        methods,
        gift_card_brands: gift_card_brands(db).await?,
        extra_fields: crate::payout_fields::service::fields(db, false).await?,
    })
}

/// The details a request for `method` will be paid to: (masked, JSON).
pub async fn for_method(
    conn: &impl ConnectionTrait,
    user_id: i64,
    method: PayoutMethod,
) -> Result<Option<(String, String)>, DbErr> {
    Ok(payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(user_id))
        .filter(payout_detail::Column::Method.eq(method.as_str()))
        .one(conn)
        .await?
        .map(|row| (row.masked, row.details)))
}

/// Validates and saves one method's details (replacing earlier ones). The
/// first details saved become the default, as do any saved with
/// `make_default`.
pub async fn save(
    db: &DatabaseConnection,
    clock: &Clock,
    user_id: i64,
    method: PayoutMethod,
    input: &DetailsInput,
    make_default: bool,
    ip: Option<String>,
) -> Result<SavedDetails, DetailsError> {
    let mut details = input.normalized(method);
    let brands = gift_card_brands(db).await?;
    if let Some(problem) = details.problems(method, &brands).into_iter().next() {
        return Err(DetailsError::Field {
            label: problem.label,
            message: problem.message,
        });
    }
    if !enabled_methods(db).await?.contains(&method) {
        return Err(DetailsError::MethodDisabled(method.label()));
    }
    let masked = details.masked(method);
    let now = clock.now();

    let txn = db::begin_write(db).await?;
    // Extra fields are read in the write transaction, so a field added or
    // retired meanwhile is judged as it now stands.
    let active = crate::payout_fields::service::active_for(&txn, method).await?;
    let before: DetailsInput = for_method(&txn, user_id, method)
        .await?
        .and_then(|(_, json)| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    details.extra = crate::payout_fields::service::answers(&active, &input.extra, &before.extra)
        .map_err(DetailsError::Extra)?;
    let json = serde_json::to_string(&details).map_err(|err| DbErr::Custom(err.to_string()))?;
    payout_detail::Entity::insert(payout_detail::ActiveModel {
        user_id: Set(user_id),
        method: Set(method.as_str().to_owned()),
        details: Set(json),
        masked: Set(masked.clone()),
        is_default: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([payout_detail::Column::UserId, payout_detail::Column::Method])
            .update_columns([
                payout_detail::Column::Details,
                payout_detail::Column::Masked,
                payout_detail::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let has_default = payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(user_id))
        .filter(payout_detail::Column::IsDefault.eq(true))
        .one(&txn)
        .await?
        .is_some();
    if make_default || !has_default {
        mark_default(&txn, user_id, method).await?;
    }
    // The masked form only: the audit trail must not become a copy of
    // everyone's bank details.
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutDetailsSaved)
            .actor(user_id)
            .subject(format!("user:{user_id}"))
            .ip(ip)
            .detail(format!("{}: {masked}", method.label())),
    )
    .await?;
    txn.commit().await?;
    let row = payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(user_id))
        .filter(payout_detail::Column::Method.eq(method.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("payout details just saved".into()))?;
    saved_view(&row).ok_or_else(|| DbErr::Custom("unknown method stored".into()).into())
}

async fn mark_default(
    conn: &impl ConnectionTrait,
    user_id: i64,
    method: PayoutMethod,
) -> Result<(), DbErr> {
    // One statement, so there is never a moment with two defaults.
    payout_detail::Entity::update_many()
        .col_expr(
            payout_detail::Column::IsDefault,
            Expr::col(payout_detail::Column::Method).eq(method.as_str()),
        )
        .filter(payout_detail::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Makes saved details the member's default method.
pub async fn set_default(
    db: &DatabaseConnection,
    clock: &Clock,
    user_id: i64,
    method: PayoutMethod,
    ip: Option<String>,
) -> Result<(), DetailsError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    if for_method(&txn, user_id, method).await?.is_none() {
        return Err(DetailsError::NotSaved(method.label()));
    }
    mark_default(&txn, user_id, method).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::DefaultPayoutMethodChanged)
            .actor(user_id)
            .subject(format!("user:{user_id}"))
            .ip(ip)
            .detail(method.label()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
