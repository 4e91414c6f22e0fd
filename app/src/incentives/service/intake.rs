//! One incentive in, from a form, a CSV line or the earnings API: checked,
//! its member found (or invited), repeats answered with the first.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbErr, EntityTrait, QueryFilter,
};

use super::error::IncentiveError;
use super::queries::views;
use super::shared::{check_text, scale_of, CREATE_MISSING_MEMBERS};
use crate::auth::normalize_email;
use crate::auth::Role;
use crate::entities::{asset, incentive, user};
use crate::incentives::{IncentiveInput, IncentiveSource, IncentiveStatus, IncentiveView};
use crate::ledger::idempotency::{self, Claimed};
use crate::ledger::money::{decimal_string, parse_amount};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

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

async fn check(
    conn: &impl ConnectionTrait,
    origin: Origin,
    input: &IncentiveInput,
) -> Result<Checked, IncentiveError> {
    let email = normalize_email(&input.member_email)
        .map_err(|err| IncentiveError::invalid(format!("member_email: {err}")))?;
    let program = check_text(&input.program, "program", 40, true)?;
    let description = check_text(&input.description, "description", 500, false)?;
    let external_id = match input.external_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => {
            if id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()) {
                return Err(IncentiveError::invalid(
                    "external_id: up to 128 visible ASCII characters, no spaces",
                ));
            }
            Some(id.to_owned())
        }
        _ if origin.source != IncentiveSource::Manual => {
            return Err(IncentiveError::invalid(
                "external_id: required, so that a repeat is recognised",
            ))
        }
        _ => None,
    };
    let code = input.asset.trim().to_ascii_uppercase();
    let asset = asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .one(conn)
        .await?
        .ok_or_else(|| IncentiveError::invalid(format!("asset: unknown asset {code:?}")))?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let amount_minor = parse_amount(input.amount.trim(), &asset.code, scale)
        .map_err(|err| IncentiveError::invalid(format!("amount: {err}")))?;
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
) -> Result<user::Model, IncentiveError> {
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
    Ok(crate::auth::service::invite_member(conn, now, &checked.email, &name, "incentive").await?)
}

/// The member with the checked email; None when there is none but one may
/// be invited; refused for an administrator's email, or an unknown one when
/// invitations are off.
async fn known_member(
    conn: &impl ConnectionTrait,
    checked: &Checked,
    create_missing: bool,
) -> Result<Option<user::Model>, IncentiveError> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(checked.email.clone()))
        .one(conn)
        .await?;
    match found {
        Some(u) if u.role == Role::Member.as_str() => Ok(Some(u)),
        Some(_) => Err(IncentiveError::invalid(format!(
            "member_email: {} is an administrator, not a member",
            checked.email
        ))),
        None if create_missing => Ok(None),
        None => Err(IncentiveError::invalid(format!(
            "member_email: no member has the email {} (turn on \"create missing members\" to invite them)",
            checked.email
        ))),
    }
}

async fn create_missing_members(db: &impl ConnectionTrait) -> Result<bool, IncentiveError> {
    Ok(
        crate::platform::settings_store::get_setting(db, CREATE_MISSING_MEMBERS)
            .await?
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
) -> Result<LineCheck, IncentiveError> {
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
) -> Result<Created, IncentiveError> {
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
) -> Result<Created, IncentiveError> {
    let checked = check(db, origin, input).await?;
    if let Some(existing) = existing(db, origin.source, checked.external_id.as_deref()).await? {
        return same_or_refused(db, origin, &checked, existing).await;
    }
    let create_missing = create_missing_members(db).await?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    // Incentives that carry an external id are deduplicated by it instead,
    // so the key is optional here.
    let mut claimed_key = None;
    if let Some(key) = idempotency_key {
        let fingerprint = idempotency::fingerprint(&[
            CREATE_SCOPE,
            &checked.email,
            &checked.program,
            &checked.asset.code,
            &checked.amount_minor.to_string(),
            &checked.description,
        ]);
        match idempotency::claim_typed(&txn, now, CREATE_SCOPE, key, &fingerprint).await? {
            Claimed::New(claimed) => claimed_key = Some(claimed),
            Claimed::Replay(id) => {
                drop(txn);
                return replayed(db, id).await;
            }
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
                .ok_or_else(|| {
                    IncentiveError::unexpected(anyhow::anyhow!("conflicting incentive vanished"))
                })?;
            return same_or_refused(db, origin, &checked, existing).await;
        }
        Err(err) => return Err(err.into()),
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
        .await?;
    }
    match claimed_key {
        Some(claimed) => claimed.commit(txn, &model.id).await?,
        None => txn.commit().await?,
    }
    let view = views(db, vec![model]).await?.pop();
    view.map(Created::New)
        .ok_or_else(|| IncentiveError::unexpected(anyhow::anyhow!("view of a new incentive")))
}

async fn existing(
    conn: &impl ConnectionTrait,
    source: IncentiveSource,
    external_id: Option<&str>,
) -> Result<Option<incentive::Model>, IncentiveError> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    Ok(incentive::Entity::find()
        .filter(incentive::Column::Source.eq(source.as_str()))
        .filter(incentive::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?)
}

async fn same_or_refused(
    db: &DatabaseConnection,
    origin: Origin,
    checked: &Checked,
    existing: incentive::Model,
) -> Result<Created, IncentiveError> {
    // An API key answers for its own incentives only: another key's is
    // neither shown nor confirmed.
    if origin.api_key_id.is_some() && existing.api_key_id != origin.api_key_id {
        return Err(IncentiveError::conflict(format!(
            "external_id: {} is already used by another API key's incentive; use an id of your own",
            existing.external_id.as_deref().unwrap_or_default()
        )));
    }
    let member_email = user::Entity::find_by_id(existing.member_user_id)
        .one(db)
        .await?
        .map(|u| u.email);
    let same = member_email.as_deref() == Some(checked.email.as_str())
        && existing.asset_id == checked.asset.id
        && existing.amount_minor == checked.amount_minor
        && existing.program == checked.program;
    if !same {
        return Err(IncentiveError::conflict(format!(
            "external_id: {} was already used for a different incentive (#{})",
            existing.external_id.as_deref().unwrap_or_default(),
            existing.id
        )));
    }
    let view = views(db, vec![existing]).await?.pop();
    view.map(Created::Existing)
        .ok_or_else(|| IncentiveError::unexpected(anyhow::anyhow!("view of an existing incentive")))
}

/// The incentive the earnings API made with this external id through this
/// key: another key's is not found.
pub async fn by_external_id(
    db: &DatabaseConnection,
    external_id: &str,
    api_key_id: i64,
) -> Result<Option<IncentiveView>, IncentiveError> {
    match existing(db, IncentiveSource::Api, Some(external_id))
        .await?
        .filter(|model| model.api_key_id == Some(api_key_id))
    {
        Some(model) => Ok(views(db, vec![model]).await?.pop()),
        None => Ok(None),
    }
}

/// Turns "create (invite) members for unknown emails" on or off; audited.
pub async fn set_invite_missing(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    enabled: bool,
    ip: Option<String>,
) -> Result<(), IncentiveError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    crate::platform::settings_store::put_setting(
        &txn,
        CREATE_MISSING_MEMBERS,
        if enabled { "true" } else { "false" },
    )
    .await?;
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
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether unknown member emails invite the member.
pub async fn invite_missing(db: &DatabaseConnection) -> Result<bool, IncentiveError> {
    create_missing_members(db).await
}

/// The incentive a replayed key made, answered as a repeat.
async fn replayed(db: &DatabaseConnection, id: i64) -> Result<Created, IncentiveError> {
    let model = incentive::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            IncentiveError::unexpected(anyhow::anyhow!("replayed incentive {id} vanished"))
        })?;
    let view = views(db, vec![model]).await?.pop();
    view.map(Created::Existing)
        .ok_or_else(|| IncentiveError::unexpected(anyhow::anyhow!("view of a replayed incentive")))
}
