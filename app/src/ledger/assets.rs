//! Assets (currencies and points) and the conversion rates between them.
//! Nothing here moves money.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::error::LedgerError;
use super::money::{AssetKind, AssetView, Rate};
use crate::entities::{asset, conversion_rate};

pub fn asset_view(model: &asset::Model) -> AssetView {
    AssetView {
        id: model.id,
        code: model.code.clone(),
        kind: AssetKind::parse(&model.kind).unwrap_or(AssetKind::Points),
        scale: u32::try_from(model.scale).unwrap_or(0),
    }
}

/// Creates an asset if its code is new; returns it either way.
pub async fn ensure_asset(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    code: &str,
    kind: AssetKind,
    scale: u32,
    name: &str,
) -> Result<asset::Model, DbErr> {
    let scale = match kind {
        AssetKind::Currency => i16::try_from(scale).unwrap_or(2),
        AssetKind::Points => 0,
    };
    asset::Entity::insert(asset::ActiveModel {
        code: Set(code.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        scale: Set(scale),
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(asset::Column::Code)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    asset::Entity::find()
        .filter(asset::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("asset {code}")))
}

/// Every asset by id: a small table, read once where many rows need
/// their asset's code and scale.
pub async fn assets_by_id(
    conn: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i64, asset::Model>, DbErr> {
    Ok(asset::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub async fn find_asset(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<asset::Model, LedgerError> {
    asset::Entity::find()
        .filter(asset::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| LedgerError::UnknownAsset(code.to_owned()))
}

/// Records a new rate between a point type and a currency.
pub async fn set_rate(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    points_asset_id: i64,
    currency_asset_id: i64,
    rate: Rate,
    set_by: Option<i64>,
) -> Result<(), DbErr> {
    conversion_rate::Entity::insert(conversion_rate::ActiveModel {
        points_asset_id: Set(points_asset_id),
        currency_asset_id: Set(currency_asset_id),
        points: Set(rate.points),
        money_minor: Set(rate.money_minor),
        set_by: Set(set_by),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The rate in force for a point type: its newest, with the currency it converts to.
pub async fn current_rate(
    conn: &impl ConnectionTrait,
    points_asset_id: i64,
) -> Result<Option<(i64, Rate)>, DbErr> {
    Ok(conversion_rate::Entity::find()
        .filter(conversion_rate::Column::PointsAssetId.eq(points_asset_id))
        .order_by_desc(conversion_rate::Column::Id)
        .one(conn)
        .await?
        .map(|row| {
            (
                row.currency_asset_id,
                Rate {
                    points: row.points,
                    money_minor: row.money_minor,
                },
            )
        }))
}
